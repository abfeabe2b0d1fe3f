"""Named refusals of the domain core; their text is shown to users as it is."""


class DomainError(Exception):
    """A rule of the domain refused the request; str(e) is the user-facing reason."""


class CodedRefusal(DomainError):
    """A refusal with a stable `code` and its `params`, which the area's labels turn into the user's words."""

    def __init__(self, error_code: str, message: str, /, **params):
        super().__init__(message)
        self.code = error_code
        self.params = params


class InvalidAmount(DomainError):
    """A money amount is malformed, negative where it must be positive, or finer than a kopeck."""


class InvalidPeriod(DomainError):
    """A billing period is malformed (expected YYYY-MM)."""


class RateNotAvailable(DomainError):
    """The key-rate table has no rate in force on the requested day."""


class UnsupportedDebt(DomainError):
    """The debt falls outside the implemented rules (e.g. due before 01.01.2016, old ЖК 155 ч.14)."""


class InvalidInput(DomainError):
    """Inputs contradict each other (duplicate periods, a payment naming an unknown period, ...)."""
