"""Who does something. Every writer takes ``actor=`` so the timeline and audit can say who."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from messagecenter.accounts.models import Account, ApiToken, Operator
    from messagecenter.contacts.models import Contact

ActorKind = Literal["operator", "contact", "system", "token", "bot"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    account: Account
    operator: Operator | None = None
    contact: Contact | None = None
    token: ApiToken | None = None
    # A bot's display name (integration tokens post as a named bot).
    name: str = ""

    @classmethod
    def for_operator(cls, operator: Operator) -> Actor:
        return cls("operator", operator.account, operator=operator)

    @classmethod
    def for_contact(cls, contact: Contact) -> Actor:
        return cls("contact", contact.account, contact=contact)

    @classmethod
    def system(cls, account: Account) -> Actor:
        return cls("system", account)

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        """An API token acts as its operator (personal) or as an integration."""
        if token.operator_id is not None:
            return cls("operator", token.account, operator=token.operator, token=token)
        return cls("token", token.account, token=token, name=token.name)

    @property
    def public_id(self) -> str:
        """The id recorded in timeline and audit rows (never a name or an e-mail)."""
        if self.operator is not None:
            return self.operator.public_id
        if self.contact is not None:
            return self.contact.public_id
        if self.token is not None:
            return self.token.public_id
        return ""

    @property
    def display_name(self) -> str:
        if self.operator is not None:
            return self.operator.name
        if self.contact is not None:
            return self.contact.name
        return self.name or self.kind
