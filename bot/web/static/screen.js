// 课堂大屏: the board is redrawn from server-sent events (no inline script: the page's CSP forbids it).
(function () {
  const list = document.getElementById("board");
  const empty = document.getElementById("empty");
  const source = new EventSource(list.dataset.events);
  source.addEventListener("board", function (event) {
    const rows = JSON.parse(event.data);
    list.replaceChildren();
    rows.forEach(function (row) {
      const item = document.createElement("li");
      for (const [name, text] of [["place", row.place + "."], ["name", row.nickname], ["points", row.points + " 分"]]) {
        const span = document.createElement("span");
        span.className = name;
        span.textContent = text;
        item.appendChild(span);
      }
      list.appendChild(item);
    });
    empty.hidden = rows.length > 0;
    document.body.dataset.updated = String(Date.now());
  });
})();
