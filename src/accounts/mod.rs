//! Accounts: users, roles, teams, passwords and sessions. Domain types here; SQL in `store.rs`;
//! HTTP in `routes.rs` (own account, login) and `admin.rs` (administration).

pub mod admin;
pub mod rate_limit;
pub mod routes;
pub mod store;

use std::fmt;

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// What a user may do. A user holds one or more roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Trainee,
    Supervisor,
    Instructor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Trainee,
        Role::Supervisor,
        Role::Instructor,
        Role::Admin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Trainee => "trainee",
            Role::Supervisor => "supervisor",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(key: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.key() == key.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("unknown role {key:?} (expected trainee, supervisor, instructor or admin)")
            })
    }

    /// The catalog key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Trainee => "role.trainee",
            Role::Supervisor => "role.supervisor",
            Role::Instructor => "role.instructor",
            Role::Admin => "role.admin",
        }
    }

    /// The page a user of this role lands on after signing in.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Trainee => "/learn",
            Role::Supervisor => "/team",
            Role::Instructor => "/instruct",
            Role::Admin => "/admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The roles one user holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Roles {
        roles.sort();
        roles.dedup();
        Roles(roles)
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The most powerful role decides the home page (an admin who is also a trainee lands on /admin).
    pub fn home_path(&self) -> &'static str {
        self.0
            .iter()
            .max()
            .map(|r| r.home_path())
            .unwrap_or("/account")
    }
}

/// A syntactically plausible, lower-cased email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email.split_once('@').ok_or("error.email_invalid")?;
        let valid = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if valid {
            Ok(Email(email))
        } else {
            Err("error.email_invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, 1 to 80 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, &'static str> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 || len > 80 || name.chars().any(char::is_control) {
            return Err("error.name_invalid");
        }
        Ok(DisplayName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy: 10 to 256 characters (the upper bound keeps hashing cheap).
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str, email: Option<&Email>) -> Result<NewPassword, &'static str> {
        let len = raw.chars().count();
        if len < Self::MIN_CHARS {
            return Err("error.password_too_short");
        }
        if len > Self::MAX_CHARS {
            return Err("error.password_too_long");
        }
        if email.is_some_and(|e| e.as_str() == raw.trim().to_lowercase()) {
            return Err("error.password_is_email");
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// argon2id with the OWASP-recommended minimum: 19 MiB memory, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (CPU-heavy: call it off the async workers, e.g. in `web::block`).
pub fn hash_password(password: &NewPassword) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_str().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the account does not exist, so a wrong email
/// costs the same time as a wrong password and does not reveal which accounts exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let pw = NewPassword(crate::web::random_token());
        hash_password(&pw).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ana.Silva@Example.COM ").unwrap().as_str(),
            "ana.silva@example.com"
        );
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a@.com",
            "a@b.",
            "a b@c.com",
            "@x.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn display_names_are_bounded() {
        assert_eq!(DisplayName::parse("  陈美  ").unwrap().as_str(), "陈美");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"x".repeat(81)).is_err());
        assert!(DisplayName::parse("a\u{0007}b").is_err());
    }

    #[test]
    fn password_policy() {
        let email = Email::parse("ana@example.com").unwrap();
        assert_eq!(
            NewPassword::parse("short", None).unwrap_err(),
            "error.password_too_short"
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(257), None).unwrap_err(),
            "error.password_too_long"
        );
        assert_eq!(
            NewPassword::parse("ANA@example.com", Some(&email)).unwrap_err(),
            "error.password_is_email"
        );
        assert!(NewPassword::parse("correct horse battery", Some(&email)).is_ok());
    }

    #[test]
    fn argon2id_hash_round_trips() {
        let pw = NewPassword::parse("correct horse battery", None).unwrap();
        let hash = hash_password(&pw).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn roles_parse_and_pick_the_home_page() {
        assert_eq!(Role::parse(" Admin ").unwrap(), Role::Admin);
        assert!(Role::parse("root").is_err());
        let roles = Roles::new(vec![Role::Trainee, Role::Supervisor, Role::Trainee]);
        assert_eq!(roles.iter().count(), 2);
        assert_eq!(roles.home_path(), "/team");
        assert_eq!(Roles::default().home_path(), "/account");
    }
}
