"""Who may do what with replies: viewer (read), analyst (draft, edit, discard), approver (also approve).
The same roles decide who may act on the Topik baru page ("label": analyst and approver).

Roles come from suara.toml, by e-mail (as the OIDC login reports it) or by the local user's name::

    [reply.roles]
    approver = ["kepala.humas@imigrasi.go.id"]
    analyst = ["analis1@imigrasi.go.id", "rina", "group:humas"]

An entry ``group:NAME`` matches everyone whose login reports NAME among its ``groups`` claim (Keycloak's
group-membership mapper puts it in the ID token). Anyone logged in but not listed is a viewer. Without a login the dashboard has no identity, and the
reply actions are off, unless it was started with ``suara dashboard --local-user NAME`` (the local
demo): that person is an approver unless the roles list them otherwise. Pure: no Streamlit here.
"""

from __future__ import annotations

ROLES = ("viewer", "analyst", "approver")
CAN = {"draft": ("analyst", "approver"), "approve": ("approver",), "label": ("analyst", "approver")}


def role_of(
    identity: str | None, roles_config: dict, local: bool = False, groups: tuple[str, ...] | list = ()
) -> str | None:
    """The role of ``identity`` (an e-mail or a local name, with the login's ``groups``); None when
    nobody is known. The highest role any of them is listed under wins."""
    if not identity:
        return None
    keys = {identity.strip().lower()} | {
        f"group:{g}".strip().lower().replace("group:/", "group:") for g in groups
    }
    for role in ("approver", "analyst", "viewer"):
        listed = {str(v).strip().lower().replace("group:/", "group:") for v in roles_config.get(role, [])}
        if keys & listed:
            return role
    return "approver" if local else "viewer"


def may(role: str | None, action: str) -> bool:
    return role in CAN.get(action, ())
