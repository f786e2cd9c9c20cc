// Starts the telegram-test-api Bot API emulator on 127.0.0.1:PORT (the package has no CLI).
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
server.start().then(() => console.log(`emulator ready on ${port}`));
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
