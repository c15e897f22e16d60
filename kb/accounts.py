"""Users, API tokens and what each may see: shared by the web layer and the CLI."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from kb.libraries import BY_KEY, LIBRARIES
from kb.models import ApiToken, User, utcnow

ROLES = ("viewer", "editor", "admin")
SCOPES = ("read", "write")
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """Invalid account input; the message is Chinese and names the value."""


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a logged-in user or an API token."""

    name: str
    role: str
    grants: frozenset[str]
    scopes: frozenset[str]
    user_id: int | None = None
    via_token: bool = False

    @property
    def can_read(self) -> bool:
        return "read" in self.scopes

    @property
    def can_write(self) -> bool:
        return "write" in self.scopes and self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and not self.via_token

    def allowed_libraries(self) -> frozenset[str]:
        """Return the libraries this principal may see: the open ones and the granted confidential ones."""
        if self.role == "admin" and not self.via_token:
            return frozenset(BY_KEY)
        return frozenset(lib.key for lib in LIBRARIES if not lib.confidential or lib.key in self.grants)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def parse_grants(value: str | None) -> str:
    keys = [k.strip() for k in (value or "").split(",") if k.strip()]
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        raise AccountError(f"未知的资料库：{', '.join(unknown)}。可选：{', '.join(BY_KEY)}")
    return ",".join(sorted(set(keys)))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")


def add_user(session: Session, name: str, password: str, role: str = "viewer", grants: str = "") -> User:
    name = name.strip()
    if not name:
        raise AccountError("用户名不能为空。")
    if role not in ROLES:
        raise AccountError(f"未知的角色：{role}。可选：{', '.join(ROLES)}")
    if session.exec(select(User).where(User.name == name)).first():
        raise AccountError(f"用户已存在：{name}")
    check_password(password)
    user = User(name=name, password_hash=hash_password(password), role=role, grants=parse_grants(grants))
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, name: str, password: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise AccountError(f"用户不存在：{name}")
    check_password(password)
    user.password_hash = hash_password(password)
    session.add(user)
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None or not user.active:
        # Spend the same time as a real check so the response time does not reveal which names exist.
        verify_password(password, hash_password("x" * MIN_PASSWORD_LENGTH))
        return None
    return user if verify_password(password, user.password_hash) else None


def principal_for_user(user: User) -> Principal:
    scopes = frozenset({"read", "write"}) if user.role in ("editor", "admin") else frozenset({"read"})
    return Principal(user.name, user.role, frozenset(user.granted()), scopes, user_id=user.id)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, scopes: str, grants: str = "") -> str:
    """Store a new API token and return its secret, which is shown only once."""
    name = name.strip()
    requested = {s.strip() for s in scopes.split(",") if s.strip()}
    if not name:
        raise AccountError("令牌名称不能为空。")
    if not requested or not requested <= set(SCOPES):
        raise AccountError(f"无效的权限范围：{scopes}。可选：{', '.join(SCOPES)}")
    if session.exec(select(ApiToken).where(ApiToken.name == name)).first():
        raise AccountError(f"令牌名称已存在：{name}")
    secret = "kb_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_token_digest(secret), scopes=",".join(sorted(requested)), grants=parse_grants(grants)))
    session.flush()
    return secret


def revoke_token(session: Session, name: str) -> ApiToken:
    token = session.exec(select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at == None)).first()  # noqa: E711
    if token is None:
        raise AccountError(f"没有有效的令牌：{name}")
    token.revoked_at = utcnow()
    session.add(token)
    return token


def principal_for_token(session: Session, secret: str) -> Principal | None:
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret))).first()
    if token is None or token.revoked_at is not None:
        return None
    scopes = frozenset(s for s in token.scopes.split(",") if s)
    role = "editor" if "write" in scopes else "viewer"
    return Principal(f"token:{token.name}", role, frozenset(g for g in token.grants.split(",") if g), scopes, via_token=True)
