"""What a use case refuses; adapters turn each into a short message for the person."""


class ServiceError(Exception):
    """Base class: the request changed nothing."""


class RoundNotFound(ServiceError):
    """No such round for this user (forged or foreign button)."""


class RoundClosed(ServiceError):
    """The round is finished or was replaced by a newer one."""


class AlreadyAnswered(ServiceError):
    """This question of the round has an answer already (double tap, re-delivered update)."""


class InvalidChoice(ServiceError):
    """The chosen letters are not options of the question."""


class NoQuestions(ServiceError):
    """No question matches the chosen theme and grade band."""
