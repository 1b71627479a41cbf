//! Logging in and out, and the session every other request needs.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use rand::RngCore;
use renkou_domain::account::{MIN_PASSWORD_CHARS, check_new_password};
use renkou_domain::password::{hash_password, verify_password};
use renkou_domain::{Field, Grant, Role, Username};
use renkou_store::{Account, ApiToken, AuditEntry};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{ApiError, ApiJson, AppState};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "renkou_session";

/// `POST /api/v1/session` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

/// Who logged in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginAnswer {
    username: String,
    grants: Vec<renkou_domain::Grant>,
}

/// Checks the password and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Login,
    responses(
        (status = 200, description = "Logged in; the `renkou_session` cookie is set", body = LoginAnswer),
        (status = 400, description = "Malformed body", body = ApiError),
        (status = 401, description = "Wrong name or password", body = ApiError),
        (status = 413, description = "The body is too large", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 429, description = "Locked after repeated failures", body = ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(login): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let (account, cookie) = start_session(&state, &login.username, login.password, address).await?;
    let mut response = Json(LoginAnswer {
        username: account.username,
        grants: account.grants,
    })
    .into_response();
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// Checks a user's password and opens a session; returns the account and
/// the `Set-Cookie` value. Wrong name and wrong password get the same
/// answer; repeated failures lock the account. Shared by API and web login.
pub async fn start_session(
    state: &AppState,
    username: &str,
    password: String,
    address: Option<String>,
) -> Result<(Account, HeaderValue), ApiError> {
    let refused = || ApiError {
        status: StatusCode::UNAUTHORIZED,
        error: "login_failed",
        message: "用户名或密码错误".into(),
        field: None,
    };
    // Attempts are counted by name and by address before the password is
    // checked, and a name nobody has costs the same Argon2 check as a real
    // one: neither the answer, its timing nor a lock tells which names exist.
    let typed = username.trim().to_lowercase();
    let name_key = format!("name:{typed}");
    let address_key = address.as_ref().map(|a| format!("addr:{a}"));
    let limits = &state.settings.login;
    let mut keys = vec![(name_key.clone(), limits.max_failed_per_name)];
    keys.extend(
        address_key
            .clone()
            .map(|k| (k, limits.max_failed_per_address)),
    );
    let audit = |action: &str| AuditEntry {
        actor: typed.chars().take(64).collect(),
        action: action.into(),
        person_id: None,
        detail: String::new(),
        address: address.clone(),
    };
    if !state.store.reserve_login_attempt(&keys).await? {
        state.audit.write(vec![audit("login_locked")]).await?;
        return Err(ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            error: "locked",
            message: "登录失败次数过多，账号已暂时锁定，请稍后再试".into(),
            field: None,
        });
    }
    let account = match Username::parse(username) {
        Ok(name) => state.store.user(&name).await?,
        Err(_) => None,
    };
    let hash = match &account {
        Some(a) => a.password_hash.clone(),
        None => dummy_hash().await,
    };
    // Argon2 is deliberately slow: keep it off the async workers.
    let good = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let account = match account {
        Some(account) if good && account.status == "active" => account,
        _ => {
            state.audit.write(vec![audit("login_failed")]).await?;
            return Err(refused());
        }
    };
    state
        .store
        .release_login_attempt(&name_key, address_key.as_deref())
        .await?;
    state.audit.write(vec![audit("login")]).await?;
    let mut token = [0u8; 32];
    rand::rng().fill_bytes(&mut token);
    let token = hex::encode(token);
    state
        .store
        .create_session(
            account.id,
            &token_hash(&token),
            Utc::now() + Duration::hours(state.settings.server.session_hours),
        )
        .await?;
    let secure = if state.settings.server.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        state.settings.server.session_hours * 3600
    );
    let cookie = HeaderValue::from_str(&cookie).map_err(|_| refused())?;
    Ok((account, cookie))
}

/// `PUT /api/v1/session/password` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password after checking the current one; every other
/// session of the account ends.
#[utoipa::path(put, path = "/api/v1/session/password", tag = "session", request_body = PasswordChange,
    security(("session" = [])),
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        (status = 400, description = "Wrong current password or weak new one (field named)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "An API token has no password", body = ApiError),
        (status = 413, description = "The body is too large", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError)))]
pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    set_new_password(
        &state,
        &session,
        change.current_password,
        change.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the current password and the new one's strength, stores the new
/// one and ends every other session of the account.
pub async fn set_new_password(
    state: &AppState,
    session: &Session,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌没有密码"));
    }
    check_new_password(&new).map_err(|_| {
        ApiError::invalid(
            "new_password",
            format!("新密码至少 {MIN_PASSWORD_CHARS} 位，且须同时包含字母和数字"),
        )
    })?;
    let name_key = format!("name:{}", session.account.username.to_lowercase());
    if !state
        .store
        .reserve_login_attempt(&[(name_key.clone(), state.settings.login.max_failed_per_name)])
        .await?
    {
        return Err(ApiError::invalid(
            "current_password",
            "密码错误次数过多，请稍后再试",
        ));
    }
    // Read afresh: the session's account may come from a cache, which keeps no hash.
    let hash = match Username::parse(&session.account.username) {
        Ok(name) => state.store.user(&name).await?.map(|a| a.password_hash),
        Err(_) => None,
    }
    .unwrap_or_default();
    let good = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .unwrap_or(false);
    if !good {
        return Err(ApiError::invalid("current_password", "当前密码不正确"));
    }
    state.store.release_login_attempt(&name_key, None).await?;
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::invalid("new_password", "新密码无法使用"))?;
    let name =
        Username::parse(&session.account.username).map_err(|_| ApiError::unauthenticated())?;
    state.store.set_password(&name, &hash).await?;
    state
        .store
        .end_other_sessions(session.account.id, &session.token_hash)
        .await?;
    state
        .audit
        .write(vec![session.audit_entry("password_change", None, "")])
        .await?;
    Ok(())
}

/// Ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Logged out")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    end_session(&state, &headers).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(SET_COOKIE, cleared_cookie());
    Ok(response)
}

/// Deletes the request's session, if it has one.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(token) = cookie_token(headers) {
        state.store.delete_session(&token_hash(&token)).await?;
        // This server forgets at once; the others at the database's notice.
        state.caches.changed(&["accounts".to_string()]).await;
    }
    Ok(())
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie() -> HeaderValue {
    HeaderValue::from_static("renkou_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The caller of a request — a logged-in user, or another department's
/// system with an API token; a handler that takes it answers 401 without one.
pub struct Session {
    /// The user; for a token, a read-only stand-in named `token:NAME`
    /// holding one grant for the token's region.
    pub account: Account,
    /// Which session this is (the hash of its cookie or bearer token).
    pub token_hash: String,
    /// The client's address, for the audit log.
    pub address: Option<String>,
    /// For an API token: the only fields it may read.
    pub fields: Option<Vec<Field>>,
    /// For an API token: whether its system also sends notices and answers
    /// (another region's exchange), and under which name.
    pub exchanges: Option<String>,
}

impl Session {
    /// Only an administrator may go on (the push subscriptions, the system's state).
    pub fn admin_only(&self) -> Result<(), ApiError> {
        if self
            .account
            .grants
            .iter()
            .any(|g| g.role == renkou_domain::Role::Admin)
        {
            Ok(())
        } else {
            Err(ApiError::forbidden("只有系统管理员可以查看此页"))
        }
    }

    /// The subsystems the session's grants open for a region (the union of
    /// the grants that cover it).
    pub fn subsystems_in(&self, region: &renkou_domain::RegionCode) -> renkou_domain::Subsystems {
        let opened: Vec<renkou_domain::Subsystem> = self
            .account
            .grants
            .iter()
            .filter(|g| g.region.contains(region))
            .flat_map(|g| g.subsystems.iter())
            .collect();
        renkou_domain::Subsystems::of(&opened)
    }

    /// What the work list of a region holds for this session.
    pub fn work_context(
        &self,
        region: &renkou_domain::RegionCode,
        settings: &crate::Settings,
    ) -> renkou_store::WorkContext {
        renkou_store::WorkContext {
            subsystems: self.subsystems_in(region),
            today: renkou_domain::date::today_in_china(),
            wis_schedule: settings.wis.schedule.clone(),
        }
    }

    /// Whether identity numbers are shown in full: for a user, when any of
    /// their roles enters records; for a token, when it lists `id_number`.
    pub fn sees_full_numbers(&self) -> bool {
        match &self.fields {
            Some(fields) => fields.contains(&Field::IdNumber),
            None => self
                .account
                .grants
                .iter()
                .any(|g| g.role.sees_full_numbers()),
        }
    }

    /// An audit entry of something this caller did.
    pub fn audit_entry(
        &self,
        action: &str,
        person_id: Option<i64>,
        detail: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            actor: self.account.username.clone(),
            action: action.into(),
            person_id,
            detail: detail.into(),
            address: self.address.clone(),
        }
    }

    /// Whether the caller may read (and search by) the field: a user always,
    /// a token only a field it lists.
    pub fn may_read(&self, field: Field) -> bool {
        self.fields.as_ref().is_none_or(|f| f.contains(&field))
    }

    /// Whether this caller is another department's system.
    pub fn is_token(&self) -> bool {
        self.fields.is_some()
    }

    /// The session of an API token.
    pub(crate) fn of_token(
        token: ApiToken,
        token_hash: String,
        address: Option<String>,
    ) -> Session {
        let account = Account {
            id: 0,
            username: format!("token:{}", token.name),
            display_name: None,
            password_hash: String::new(),
            status: "active".into(),
            failed_logins: 0,
            locked_until: None,
            // Auditor: granted at any level, reads, never enters records;
            // an exchanging system also reads the notices of its region.
            grants: vec![Grant {
                role: Role::Auditor,
                region: token.region,
                subsystems: if token.exchanges {
                    renkou_domain::Subsystems::of(&[
                        renkou_domain::Subsystem::Registry,
                        renkou_domain::Subsystem::Migrants,
                    ])
                } else {
                    Role::Auditor.default_subsystems()
                },
            }],
        };
        let exchanges = token.exchanges.then(|| token.name.clone());
        Session {
            account,
            token_hash,
            address,
            fields: Some(token.fields),
            exchanges,
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let address = client_address(parts);
        if let Some(token) = cookie_token(&parts.headers) {
            let token_hash = token_hash(&token);
            let account = live_session(state, &token_hash).await?;
            return account
                .map(|account| Session {
                    account,
                    token_hash,
                    address,
                    fields: None,
                    exchanges: None,
                })
                .ok_or_else(ApiError::unauthenticated);
        }
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthenticated)?;
        let token_hash = token_hash(bearer.trim());
        let token = state.store.live_api_token(&token_hash).await?;
        token
            .map(|t| Session::of_token(t, token_hash, address))
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The account of a live session, through the caches (which keep the
/// session's end with it: an ended session is never answered from them).
async fn live_session(state: &AppState, token_hash: &str) -> Result<Option<Account>, ApiError> {
    let load = state.store.live_session(token_hash);
    let found = state
        .caches
        .get_or_load(
            "accounts",
            &format!("s:{token_hash}"),
            Option::is_some,
            load,
        )
        .await?;
    Ok(found
        .filter(|(_, until)| *until > Utc::now())
        .map(|(account, _)| account))
}

/// The client's address as an extractor (for handlers without a session).
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts)))
    }
}

/// The peer's address (when served with connection info).
pub fn client_address(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE_NAME)
}

/// The value of the named cookie of a request, if it is set and not empty.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// The SHA-256 of a session or API token, as stored (never the token itself).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An Argon2 hash of no one's password, checked for names without an account
/// so that they take as long as real ones.
async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            tokio::task::spawn_blocking(|| {
                hash_password("renkou-no-such-account-0").unwrap_or_default()
            })
            .await
            .unwrap_or_default()
        })
        .await
        .clone()
}

/// Logging in and out through the API, and changing one's password.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{post, put};
    axum::Router::new()
        .route("/api/v1/session", post(login).delete(logout))
        .route("/api/v1/session/password", put(change_password))
}
