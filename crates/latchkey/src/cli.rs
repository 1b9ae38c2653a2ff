//! The command line (docs/design.md "CLI (contract)"): every command takes `--database`, and
//! commands that create things take `--json` to print one JSON object on stdout.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "An OAuth 2.0 / OpenID Connect identity server, wire-compatible with Adobe IMS"
)]
pub struct Cli {
    /// Database URL: sqlite://FILE (embedded, default) or postgres://...
    #[arg(long, global = true, env = "LATCHKEY_DATABASE_URL")]
    pub database: Option<String>,
    /// Configuration file (TOML); flags and LATCHKEY_* variables override it.
    #[arg(long, global = true, env = "LATCHKEY_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Organizations.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Users (people who sign in).
    #[command(subcommand)]
    User(UserCmd),
    /// Projects and the APIs added to them.
    #[command(subcommand)]
    Project(ProjectCmd),
    /// The API catalog.
    #[command(subcommand)]
    Api(ApiCmd),
    /// Credentials (OAuth clients).
    #[command(subcommand)]
    Credential(CredentialCmd),
    /// Product instances, product profiles and users' product roles.
    #[command(subcommand)]
    Product(ProductCmd),
    /// Signing keys.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Read the audit log, newest first: --json prints one object, --jsonl one entry per
    /// line (an export).
    Audit(AuditArgs),
    /// I/O Events: a project's webhook subscriptions and their delivery log.
    #[command(subcommand)]
    Events(EventsCmd),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCmd),
}

#[derive(Debug, Subcommand)]
pub enum EventsCmd {
    /// Subscribe a webhook to event types (the audit log's, e.g. credential.created);
    /// the URL must first answer a GET with ?challenge=X by echoing X.
    Subscribe {
        #[arg(long)]
        project: String,
        #[arg(long)]
        url: String,
        /// An event type; repeat for more. `latchkey events types` lists them.
        #[arg(long = "event", required = true)]
        events: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The event types one can subscribe to.
    Types {
        #[arg(long)]
        json: bool,
    },
    /// A project's subscriptions.
    List {
        #[arg(long)]
        project: String,
        #[arg(long)]
        json: bool,
    },
    /// A subscription's delivery log, newest first.
    Deliveries {
        #[arg(long)]
        subscription: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Send a delivery again now (same delivery id).
    Redeliver {
        #[arg(long)]
        delivery: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a subscription and its delivery log.
    Unsubscribe {
        #[arg(long)]
        subscription: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this org's entries (default: every entry, those of no org included).
    #[arg(long)]
    pub org: Option<String>,
    /// Only this event, e.g. credential.created.
    #[arg(long)]
    pub action: Option<String>,
    /// Only entries whose actor or target contains this text.
    #[arg(long)]
    pub search: Option<String>,
    /// Only entries of the last N days.
    #[arg(long)]
    pub days: Option<i64>,
    /// At most this many entries (up to 1000).
    #[arg(long, default_value_t = 200)]
    pub limit: i64,
    #[arg(long)]
    pub json: bool,
    /// One JSON object per line.
    #[arg(long, conflicts_with = "json")]
    pub jsonl: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LATCHKEY_LISTEN")]
    pub listen: Option<String>,
    /// Public issuer URL; defaults to http://<listen>. Plain http only on loopback.
    #[arg(long, env = "LATCHKEY_ISSUER")]
    pub issuer: Option<String>,
    /// Seed a demo org, user, project and credentials when the database is empty.
    #[arg(long)]
    pub demo: bool,
    /// With --demo: print the demo data as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// Create an organization.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change an organization's settings.
    Settings {
        #[arg(long)]
        org: String,
        /// May `developer`s create and change credentials? (system admins always may)
        #[arg(long, action = clap::ArgAction::Set)]
        developers_may_manage_credentials: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// List an org's members, or those whose email, name or id contains --search
    /// ("techacct" finds technical accounts).
    List {
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "")]
        search: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a member's org role (an org always keeps an enabled system admin).
    SetRole {
        #[arg(long)]
        org: String,
        /// User id or email.
        #[arg(long)]
        user: String,
        /// system_admin, developer or user.
        #[arg(long)]
        role: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a person from an org, with their product profiles there (their account
    /// and other orgs stay; an org always keeps an enabled system admin).
    Remove {
        #[arg(long)]
        org: String,
        /// User id or email.
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Print a new one-time invitation link (valid 7 days) for a member who has not set a
    /// password yet; their old link stops working.
    Reinvite {
        #[arg(long)]
        org: String,
        /// User id or email.
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Invite a person to an org: prints a one-time link (valid 7 days) where they set
    /// their password.
    Invite {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "user")]
        role: String,
        #[arg(long)]
        given_name: Option<String>,
        #[arg(long)]
        family_name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: they cannot sign in, their sessions end and every app they
    /// connected loses its tokens.
    Disable {
        /// User id or email.
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Let a disabled user sign in again (apps must ask for consent again).
    Enable {
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password; their sessions end and their apps lose their tokens.
    SetPassword {
        #[arg(long)]
        user: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a user in an org.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "user")]
        role: String,
        #[arg(long)]
        given_name: Option<String>,
        #[arg(long)]
        family_name: Option<String>,
        /// ISO 3166 two-letter country (the `address` scope).
        #[arg(long)]
        country: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCmd {
    /// Create a project in an org.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List an org's projects.
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Show a project: its APIs and its credentials.
    Show {
        #[arg(long)]
        project: String,
        #[arg(long)]
        json: bool,
    },
    /// Rename a project.
    Rename {
        #[arg(long)]
        project: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a project that has no credentials left.
    Delete {
        #[arg(long)]
        project: String,
        #[arg(long)]
        json: bool,
    },
    /// Add an API from the catalog to a project; its scopes become available.
    AddApi {
        #[arg(long)]
        project: String,
        #[arg(long)]
        api: String,
        #[arg(long)]
        json: bool,
    },
    /// Take an API off a project: its scopes are no longer granted to the project's
    /// credentials (tokens already issued keep theirs until they expire or are revoked).
    RemoveApi {
        #[arg(long)]
        project: String,
        #[arg(long)]
        api: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiCmd {
    /// List the API catalog.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add an API to the catalog.
    Create {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// A scope it brings; `name=description` sets the consent-screen wording.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// An auth kind it accepts: api_key, oauth_user, server_to_server, service_account_jwt.
        #[arg(long = "auth", required = true)]
        auth: Vec<String>,
        #[arg(long)]
        product: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A service-account metascope it brings.
        #[arg(long = "metascope")]
        metascopes: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CredentialCmd {
    /// Disable a credential: it can get no tokens, its tokens stop validating, and every
    /// user's grant to it is revoked.
    Disable {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Enable a disabled credential (users must consent again).
    Enable {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a credential; its secret is shown once.
    Create {
        #[arg(long)]
        project: String,
        /// api_key, oauth_web, oauth_spa, oauth_native, server_to_server, service_account_jwt
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Public certificate (PEM file) for service_account_jwt credentials.
        #[arg(long)]
        certificate: Option<PathBuf>,
        /// A product profile (id) the technical account joins, as a contributor; the
        /// profile's product must come with one of the project's APIs. Repeatable.
        #[arg(long = "profile")]
        profiles: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List a project's credentials.
    List {
        #[arg(long)]
        project: String,
        #[arg(long)]
        json: bool,
    },
    /// Show a credential: kind, redirect URIs, technical account, secrets' dates (never the
    /// secrets).
    Show {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a credential: every token it issued is revoked, its grants, secrets and
    /// keys go, and its technical account is disabled and leaves the org and products.
    Delete {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete one of a credential's secrets (its last one stays: rotate first).
    DeleteSecret {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        secret_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Generate a key pair for a service_account_jwt credential: the public key is
    /// registered, the private key (PKCS#8 PEM) is printed once and never stored.
    GenerateKey {
        #[arg(long)]
        client_id: String,
        /// RS256 (RSA 2048) or ES256 (P-256).
        #[arg(long, default_value = "RS256")]
        alg: String,
        #[arg(long)]
        json: bool,
    },
    /// Rename a credential and/or replace its redirect URIs (validated as at creation).
    Update {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        name: Option<String>,
        /// The complete new list (repeat the flag); omitted: the URIs stay as they are.
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a new secret (shown once); with two already active, the oldest is revoked.
    RotateSecret {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Upload a public certificate or key (PEM) to a service_account_jwt credential.
    AddCertificate {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        certificate: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List a credential's certificates and keys.
    Certificates {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Stop a certificate verifying (now, or at --at epoch milliseconds); it stays listed.
    ExpireCertificate {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        certificate_id: String,
        #[arg(long)]
        at: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a certificate.
    RemoveCertificate {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        certificate_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Convert a service_account_jwt credential to server_to_server, keeping its client id,
    /// secrets, technical account, scopes and product profiles.
    Convert {
        #[arg(long)]
        client_id: String,
        /// The only conversion there is: server_to_server.
        #[arg(long, default_value = "server_to_server")]
        to: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProductCmd {
    /// Create an instance of a product in an org (an org may have several).
    CreateInstance {
        #[arg(long)]
        org: String,
        #[arg(long)]
        product: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List an org's product instances.
    Instances {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a product profile in an instance.
    CreateProfile {
        #[arg(long)]
        instance: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List an instance's profiles and their members.
    Profiles {
        #[arg(long)]
        instance: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a user (id or email, e.g. a technical account) to a profile; --admin makes them
    /// an admin of the profile, and so of the product instance.
    AddMember {
        #[arg(long)]
        profile: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Take a user off a profile.
    RemoveMember {
        #[arg(long)]
        profile: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Rename a product profile.
    RenameProfile {
        #[arg(long)]
        profile: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a product profile (its admins stay contributors of the instance).
    DeleteProfile {
        #[arg(long)]
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// An instance's profiles with their members, and its users: technical accounts
    /// with the credential each belongs to ("API credentials").
    Show {
        #[arg(long)]
        instance: String,
        #[arg(long)]
        json: bool,
    },
    /// A user's role (contributor or admin) in each product instance they use.
    Roles {
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Make new signing keys: published now, signing after --publish-ahead seconds; the
    /// old keys stay published until tokens they signed have expired.
    Rotate {
        #[arg(long, default_value_t = 120)]
        publish_ahead: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Check the configuration, the database and the signing keys, then exit.
    Check {
        #[arg(long)]
        json: bool,
    },
}
