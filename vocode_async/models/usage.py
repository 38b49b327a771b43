"""Usage: the account's plan and minutes used this month."""

from __future__ import annotations

import attrs

from ._base import ApiEnum, Model

__all__ = ["PlanType", "Usage"]


class PlanType(ApiEnum):
    """The account's plan (open: new plans decode as plain strings)."""

    FREE = "plan_free"
    DEVELOPER = "plan_developer"
    ENTERPRISE = "plan_enterprise"
    UNLIMITED = "plan_unlimited"


@attrs.frozen(kw_only=True)
class Usage(Model):
    """Minutes used this month against the plan's limit (``None``: no limit)."""

    user_id: str
    plan_type: PlanType | str
    monthly_usage_minutes: int
    monthly_usage_limit_minutes: int | None = None
