//! `renkou token`: API tokens for other departments' systems.

use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use rand::RngCore;
use renkou_domain::{Field, RegionCode};

/// `renkou token …`
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Issue a token, e.g. `renkou token add civil-affairs --region 510104000000
    /// --fields name,sex,birth_date,marital_status`; the secret is printed once.
    Add {
        /// The receiving system's name.
        name: String,
        /// The region whose persons it may read.
        #[arg(long)]
        region: String,
        /// The fields it may read, comma-separated (id_number, name, sex,
        /// birth_date, ethnicity, residence, hukou_region, hukou_type,
        /// household, relation, marital_status, education, status, death_date,
        /// mother, father, spouse).
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
        /// Days until it expires.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// Another region's system that also sends notices and answers
        /// (`POST /api/v1/exchange/notices`, `…/answers/{id}`).
        #[arg(long)]
        exchanges: bool,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token at once.
    Revoke { name: String },
    /// Have the feed pushed to the token's system at URL (a webhook):
    /// what the token reads, signed with a secret printed once
    /// (`X-Renkou-Signature: sha256=HMAC`).
    Subscribe {
        /// The token.
        name: String,
        /// Where deliveries are posted.
        #[arg(long)]
        url: String,
    },
    /// List push subscriptions: state, failures, events delivered.
    Subscriptions,
    /// Resume a paused push subscription (after its receiver is fixed).
    Resume { id: i64 },
}

pub async fn run(url: &str, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let store = super::open(url).await?;
    match command {
        TokenCommand::Add {
            name,
            region,
            fields,
            days,
            exchanges,
        } => {
            let region = RegionCode::parse(&region).context("--region")?;
            let fields = fields
                .iter()
                .map(|f| Field::parse(f).with_context(|| format!("{f:?} is not a field")))
                .collect::<anyhow::Result<Vec<Field>>>()?;
            if fields.is_empty() {
                bail!("--fields: name at least one field");
            }
            let secret = random_secret("rk");
            let expires = Utc::now() + Duration::days(days);
            store
                .add_api_token(
                    &name,
                    &renkou_server::token_hash(&secret),
                    &region,
                    &fields,
                    "cli",
                    expires,
                )
                .await?;
            if exchanges {
                store.set_token_exchanges(&name, true).await?;
            }
            println!(
                "token {name} for {region}, expires {}",
                expires.date_naive()
            );
            println!("Authorization: Bearer {secret}");
            eprintln!("(the secret is not stored; keep it now)");
        }
        TokenCommand::List => {
            for t in store.api_tokens().await? {
                let fields: Vec<&str> = t.fields.iter().map(|f| f.as_str()).collect();
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", at.date_naive()),
                    None if t.expires_at < Utc::now() => "expired".into(),
                    None => format!("expires {}", t.expires_at.date_naive()),
                };
                println!("{}\t{}\t{}\t{state}", t.name, t.region, fields.join(","));
            }
        }
        TokenCommand::Subscribe { name, url } => {
            let secret = random_secret("whsec");
            let s = store.add_subscription(&name, &url, &secret, "cli").await?;
            println!("subscription {} of {name} to {url}", s.id);
            println!("signing secret {secret}");
            eprintln!("(shown once; the receiver checks X-Renkou-Signature with it)");
        }
        TokenCommand::Subscriptions => {
            for s in store.subscriptions().await? {
                println!(
                    "{}\t{}\t{}\t{}\tfailures {}\tdelivered {}\t{}",
                    s.id,
                    s.token_name,
                    s.url,
                    s.state,
                    s.failures,
                    s.delivered,
                    s.last_error.unwrap_or_default()
                );
            }
        }
        TokenCommand::Resume { id } => {
            if !store.resume_subscription(id).await? {
                bail!("no subscription {id}");
            }
            println!("resumed {id}");
        }
        TokenCommand::Revoke { name } => {
            if !store.revoke_api_token(&name).await? {
                bail!("no live token named {name}");
            }
            println!("revoked {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A fresh secret: `PREFIX_` and 64 hex digits.
fn random_secret(prefix: &str) -> String {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}
