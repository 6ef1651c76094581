//! The generated tenant: users, roles, applications, connections of several
//! strategies, organizations with members, grants, APIs, a history of log
//! events, and a team with members, tenants and activity for the Teams API.
//!
//! Everything random is drawn from the tenant's seeded generator, so the
//! same seed gives the same ids and data; only timestamps follow the clock.

use crate::clock;
use crate::handlers::clients::build_client;
use crate::handlers::connections::build_connection;
use crate::handlers::resource_servers::build_resource_server;
use crate::handlers::users::{NewUser, build_user};
use crate::logs;
use crate::oidc::DATABASE_CONNECTION;
use crate::password;
use crate::server::{Credentials, Urls};
use crate::store::{Kind, Tenant};
use crate::token::all_scopes;
use gatehouse_model::Api;
use serde_json::{Map, Value, json};

/// What the generated tenant depends on.
#[derive(Debug)]
pub struct SeedSettings<'a> {
    /// How many users to generate besides the admins.
    pub users: usize,
    /// Where the emulator is served.
    pub urls: &'a Urls,
    /// Credentials of the seeded applications and admins.
    pub credentials: &'a Credentials,
    /// Callback URLs of the web application.
    pub redirect_uris: &'a [String],
}

/// The seeded admin users: email and role.
pub const ADMINS: &[(&str, &str, &str, &str)] = &[
    ("admin@demo.test", "gatehouse-admin", "Ada", "Admin"),
    ("viewer@demo.test", "gatehouse-viewer", "Vic", "Viewer"),
    ("support@demo.test", "gatehouse-support", "Sam", "Support"),
    ("owner@demo.test", "gatehouse-owner", "Olga", "Owner"),
];

const FIRST: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "Mateo",
    "Isabella",
    "Lucas",
    "Mia",
    "Levi",
    "Charlotte",
    "Ezra",
    "Harper",
    "Asher",
    "Evelyn",
    "James",
    "Luna",
    "Leo",
    "Camila",
    "Kai",
    "Aria",
    "Hiro",
    "Yuki",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Chen",
    "Mei",
    "Lars",
    "Ingrid",
    "Zanele",
    "Thabo",
    "Ana",
    "João",
    "Chloé",
    "Björn",
    "Siobhán",
    "Kwame",
    "Ama",
    "Dmitri",
    "Olga",
    "Aisha",
    "Diego",
    "Lucía",
    "Nora",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Tanaka",
    "Sato",
    "Patel",
    "Singh",
    "Kim",
    "Nguyen",
    "Müller",
    "Schmidt",
    "Rossi",
    "Dubois",
    "Okafor",
    "Mensah",
    "Ivanova",
    "Kowalski",
    "Larsen",
    "O'Brien",
    "Silva",
    "Costa",
    "Haddad",
    "Cohen",
];
const DOMAINS: &[&str] = &["example.com", "acme.test", "contoso.test", "initech.test", "globex.test", "umbrella.test"];
const AGENTS: &[&str] = &[
    "Chrome 124.0.0 / Mac OS X 10.15.7",
    "Firefox 125.0.0 / Windows 10.0.0",
    "Safari 17.4.0 / iOS 17.4.0",
    "Edge 124.0.0 / Windows 10.0.0",
    "Go-Auth0/1.45.0",
    "node-auth0/4.3.1",
];

/// `(name, strategy, share of generated users in percent)`.
const CONNECTIONS: &[(&str, &str, u32)] = &[
    (DATABASE_CONNECTION, "auth0", 70),
    ("google-oauth2", "google-oauth2", 12),
    ("acme-saml", "samlp", 5),
    ("contoso-azure", "waad", 5),
    ("okta-workforce", "okta", 4),
    ("partner-oidc", "oidc", 2),
    ("corp-ad", "ad", 2),
    ("email", "email", 0),
    ("github", "github", 0),
];

const ROLES: &[(&str, &str)] = &[
    ("gatehouse-admin", "Full access to the Gatehouse console"),
    ("gatehouse-viewer", "Read-only access to the Gatehouse console"),
    ("gatehouse-support", "Support access to users in the Gatehouse console"),
    ("gatehouse-owner", "Full access to the Gatehouse console, client secrets included"),
    ("Admin", "Administrators of the Acme platform"),
    ("Editor", "Can edit content"),
    ("Viewer", "Read-only access"),
    ("Billing Manager", "Manages invoices and payment methods"),
    ("Support Agent", "Handles customer tickets"),
    ("Auditor", "Reads audit trails"),
    ("Developer", "Builds integrations"),
];

const ORGS: &[(&str, &str, &str)] = &[
    ("acme", "Acme Corporation", "enterprise"),
    ("globex", "Globex", "pro"),
    ("initech", "Initech", "pro"),
    ("umbrella", "Umbrella Corp", "enterprise"),
    ("stark-industries", "Stark Industries", "enterprise"),
    ("wayne-enterprises", "Wayne Enterprises", "enterprise"),
    ("wonka", "Wonka Industries", "free"),
    ("cyberdyne", "Cyberdyne Systems", "pro"),
    ("hooli", "Hooli", "pro"),
    ("pied-piper", "Pied Piper", "free"),
    ("soylent", "Soylent", "free"),
    ("tyrell", "Tyrell Corporation", "enterprise"),
];

/// `(name, identifier, scopes)` of the custom APIs.
const APIS: &[(&str, &str, &[&str])] = &[
    ("Orders API", "https://api.acme.test/orders", &["read:orders", "create:orders", "update:orders", "delete:orders"]),
    ("Billing API", "https://api.acme.test/billing", &["read:invoices", "pay:invoices", "read:payment_methods"]),
    ("Inventory API", "urn:acme:inventory", &["read:stock", "update:stock"]),
];

/// Log event types with their relative frequency and description.
const LOG_MIX: &[(&str, u32, &str)] = &[
    ("s", 40, "Successful login"),
    ("seccft", 14, "Client Credentials for Access Token"),
    ("seacft", 8, "Authorization Code for Access Token"),
    ("sapi", 8, "Update a User"),
    ("slo", 5, "User successfully logged out"),
    ("fp", 5, "Wrong email or password."),
    ("f", 3, "Wrong email or password."),
    ("fu", 3, "Invalid email or username"),
    ("ss", 3, ""),
    ("fapi", 2, "Insufficient scope"),
    ("scoa", 2, "Successful cross-origin authentication"),
    ("sv", 2, "Successful verification email"),
    ("scp", 1, "Successful change password"),
    ("limit_wc", 1, "Account blocked after too many failed logins"),
    ("feccft", 1, "Unauthorized"),
    ("gd_auth_succeed", 2, "Multi-factor authentication succeeded"),
];

/// Team members: `(given name, family name, email, team role)`.
const TEAM: &[(&str, &str, &str, &str)] = &[
    ("Alice", "Nakamura", "alice@gatehouse-team.test", "teams_owner"),
    ("Bruno", "Costa", "bruno@gatehouse-team.test", "teams_owner"),
    ("Chiara", "Romano", "chiara@gatehouse-team.test", "teams_contributor"),
    ("Dev", "Patel", "dev@gatehouse-team.test", "teams_contributor"),
    ("Eun-ji", "Park", "eunji@gatehouse-team.test", "teams_contributor"),
    ("Femi", "Adeyemi", "femi@gatehouse-team.test", "teams_report_viewer"),
    ("Greta", "Lindqvist", "greta@gatehouse-team.test", "teams_report_viewer"),
    ("Hugo", "Moreau", "hugo@gatehouse-team.test", "teams_contributor"),
];

/// Team tenants: `(name, locality or private environment, environment tag, public?)`.
const TENANTS: &[(&str, &str, &str, bool)] = &[
    ("acme-dev", "us", "development", true),
    ("acme-staging", "us", "staging", true),
    ("acme-prod", "us", "production", true),
    ("acme-eu-prod", "eu", "production", true),
    ("acme-au-dev", "au", "development", true),
    ("acme-private", "acme-dev", "development", false),
];

const DAY_MS: i64 = 86_400_000;

fn weighted<'a, T>(t: &mut Tenant, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut roll = t.ids.range(0, i64::from(total.max(1))) as u32;
    for item in items {
        let w = weight(item);
        if roll < w {
            return item;
        }
        roll -= w;
    }
    &items[0]
}

fn ip(t: &mut Tenant) -> String {
    let prefix = *t.ids.pick(&["203.0.113", "198.51.100", "192.0.2"]);
    format!("{prefix}.{}", t.ids.range(1, 255))
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Fills an empty tenant.
pub fn populate(t: &mut Tenant, settings: &SeedSettings) {
    let now = clock::now_ms();
    t.put(Kind::Meta, "generation", json!(0));
    let connections = seed_connections(t);
    let clients = seed_clients(t, settings, &connections);
    seed_apis(t);
    let roles = seed_roles(t);
    seed_admins(t, settings, now, &roles);
    let users = seed_users(t, settings.users, now, &roles);
    seed_organizations(t, &users, &roles, &connections);
    seed_grants(t, &users, &clients);
    seed_logs(t, now, &users, &clients, settings.users);
    seed_team(t, now, settings);
    seed_more(t, now, settings, &users, &roles, &clients);
    refresh(t, settings);
    t.put(Kind::Meta, "seeded_at", json!(clock::iso(now)));
}

/// Brings the parts that depend on settings up to date: audiences (the
/// base URL may change between runs of a persisted tenant), the system
/// grants' scopes (the operation table may have grown), and credentials,
/// callback URLs and the demo password given on the command line.
pub fn refresh(t: &mut Tenant, settings: &SeedSettings) {
    let urls = settings.urls;
    let creds = settings.credentials;
    let system: Vec<String> = t
        .coll(Kind::ResourceServers)
        .iter()
        .filter(|(_, r)| r.get("is_system").and_then(Value::as_bool) == Some(true))
        .map(|(k, _)| k.clone())
        .collect();
    let mgmt_scopes: Vec<Value> = all_scopes(Api::Management)
        .into_iter()
        .map(|s| json!({"value": s, "description": s.replace([':', '_'], " ")}))
        .collect();
    for id in system {
        t.modify(Kind::ResourceServers, &id, |r| {
            r["identifier"] = json!(urls.management_audience);
            r["scopes"] = Value::Array(mgmt_scopes.clone());
        });
    }
    // Move the emulator's own applications to the configured credentials.
    let m2m_old = t.meta("m2m_client_id").and_then(Value::as_str).map(str::to_owned);
    let web_old = t.meta("web_client_id").and_then(Value::as_str).map(str::to_owned);
    for (old, new_id, secret, key) in [
        (m2m_old, &creds.client_id, &creds.client_secret, "m2m_client_id"),
        (web_old, &creds.web_client_id, &creds.web_client_secret, "web_client_id"),
    ] {
        let Some(old) = old else { continue };
        if let Some(mut client) = t.remove(Kind::Clients, &old) {
            client["client_id"] = json!(new_id);
            client["client_secret"] = json!(secret);
            if key == "web_client_id" {
                client["callbacks"] = json!(settings.redirect_uris);
                client["allowed_logout_urls"] = json!(origins(settings.redirect_uris, true));
                client["web_origins"] = json!(origins(settings.redirect_uris, false));
            }
            t.put(Kind::Clients, new_id.clone(), client);
        }
        if old != *new_id {
            let grants: Vec<String> = t
                .coll(Kind::ClientGrants)
                .iter()
                .filter(|(_, g)| g.get("client_id").and_then(Value::as_str) == Some(&old))
                .map(|(k, _)| k.clone())
                .collect();
            for g in grants {
                t.modify(Kind::ClientGrants, &g, |g| g["client_id"] = json!(new_id));
            }
            let conns: Vec<String> = t.coll(Kind::Connections).keys().cloned().collect();
            for c in conns {
                t.modify(Kind::Connections, &c, |c| {
                    if let Some(Value::Array(list)) = c.get_mut("enabled_clients") {
                        for e in list.iter_mut() {
                            if e.as_str() == Some(&old) {
                                *e = json!(new_id);
                            }
                        }
                    }
                });
            }
        }
        t.put(Kind::Meta, key, json!(new_id));
    }
    let system_grants: Vec<(String, String)> = t
        .coll(Kind::ClientGrants)
        .iter()
        .filter_map(|(k, g)| g.get("system_api").and_then(Value::as_str).map(|s| (k.clone(), s.to_owned())))
        .collect();
    for (id, api) in system_grants {
        let (audience, scopes) = match api.as_str() {
            "teams" => (urls.teams_audience.clone(), all_scopes(Api::Teams)),
            _ => (urls.management_audience.clone(), all_scopes(Api::Management)),
        };
        t.modify(Kind::ClientGrants, &id, |g| {
            g["audience"] = json!(audience);
            g["scope"] = json!(scopes);
        });
    }
    let stored_password = t.meta("demo_password").and_then(Value::as_str).map(str::to_owned);
    if stored_password.as_deref() != Some(creds.demo_password.as_str()) {
        for (email, ..) in ADMINS {
            if let Some(id) = t.user_by_login(DATABASE_CONNECTION, email).map(str::to_owned) {
                let hash = password::hash(&mut t.ids, &creds.demo_password);
                t.put(Kind::Passwords, id, json!(hash));
            }
        }
        t.put(Kind::Meta, "demo_password", json!(creds.demo_password));
    }
}

/// Origins of the callback URLs (`http://127.0.0.1:8080`), with a trailing slash variant when asked.
fn origins(uris: &[String], with_slash: bool) -> Vec<String> {
    let mut out = Vec::new();
    for uri in uris {
        let Some((scheme, rest)) = uri.split_once("://") else {
            continue;
        };
        let host = rest.split('/').next().unwrap_or(rest);
        let origin = format!("{scheme}://{host}");
        if with_slash {
            out.push(format!("{origin}/"));
        }
        out.push(origin);
    }
    out.sort();
    out.dedup();
    out
}

fn seed_connections(t: &mut Tenant) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (name, strategy, _) in CONNECTIONS {
        let id = t.ids.connection_id();
        let mut fields = json!({"name": name, "strategy": strategy});
        match *strategy {
            "samlp" => {
                fields["options"] = json!({"signInEndpoint": "https://idp.acme.test/saml/sso", "signingCert": "MIIC...", "domain_aliases": ["acme.test"]})
            }
            "waad" => {
                fields["options"] = json!({"tenant_domain": "contoso.onmicrosoft.com", "client_id": "00000000-aaaa-bbbb-cccc-000000000000", "domain_aliases": ["contoso.test"]})
            }
            "okta" => fields["options"] = json!({"domain": "acme.okta.test", "client_id": "0oa1b2c3d4e5f6g7h8i9"}),
            "oidc" => {
                fields["options"] = json!({"issuer": "https://login.partner.test", "client_id": "partner-gatehouse", "discovery_url": "https://login.partner.test/.well-known/openid-configuration"})
            }
            "ad" => fields["options"] = json!({"domain_aliases": ["corp.acme.test"], "ips": null}),
            _ => {}
        }
        if *strategy != "auth0" {
            fields["display_name"] = json!(match *strategy {
                "google-oauth2" => "Google",
                "samlp" => "Acme SSO",
                "waad" => "Contoso Azure AD",
                "okta" => "Okta Workforce",
                "oidc" => "Partner Login",
                "ad" => "Corporate AD",
                "email" => "Email code",
                _ => "GitHub",
            });
        }
        let conn = build_connection(id.clone(), &obj(fields));
        t.put(Kind::Connections, id.clone(), conn);
        out.push((id, name.to_string(), strategy.to_string()));
    }
    out
}

fn seed_clients(
    t: &mut Tenant,
    settings: &SeedSettings,
    connections: &[(String, String, String)],
) -> Vec<(String, String)> {
    let creds = settings.credentials;
    let m2m = build_client(
        &mut t.ids,
        Some(creds.client_id.clone()),
        Some(creds.client_secret.clone()),
        &obj(
            json!({"name": "Gatehouse Emulator (Management)", "description": "Machine-to-machine application granted every Management and Teams API scope.", "app_type": "non_interactive"}),
        ),
    );
    let web = build_client(
        &mut t.ids,
        Some(creds.web_client_id.clone()),
        Some(creds.web_client_secret.clone()),
        &obj(json!({
            "name": "Gatehouse Console",
            "description": "The Gatehouse BFF: admins sign in here.",
            "app_type": "regular_web",
            "callbacks": settings.redirect_uris,
            "allowed_logout_urls": origins(settings.redirect_uris, true),
            "web_origins": origins(settings.redirect_uris, false),
            "grant_types": ["authorization_code", "refresh_token"],
        })),
    );
    let mut out = Vec::new();
    for client in [m2m, web] {
        let id = client["client_id"].as_str().unwrap_or_default().to_owned();
        out.push((id.clone(), client["name"].as_str().unwrap_or_default().to_owned()));
        t.put(Kind::Clients, id, client);
    }
    t.put(Kind::Meta, "m2m_client_id", json!(creds.client_id));
    t.put(Kind::Meta, "web_client_id", json!(creds.web_client_id));
    for (name, app_type, first_party) in [
        ("Acme Storefront", "spa", true),
        ("Acme Mobile", "native", true),
        ("Acme Backoffice", "regular_web", true),
        ("Reporting Job", "non_interactive", true),
        ("Partner Portal", "regular_web", false),
        ("Support Desk Integration", "non_interactive", false),
    ] {
        let slug = name.to_lowercase().replace(' ', "-");
        let mut fields = json!({"name": name, "app_type": app_type, "is_first_party": first_party, "description": format!("{name} application")});
        if app_type != "non_interactive" {
            fields["callbacks"] = json!([format!("https://{slug}.acme.test/callback")]);
            fields["allowed_logout_urls"] = json!([format!("https://{slug}.acme.test/")]);
        }
        let client = build_client(&mut t.ids, None, None, &obj(fields));
        let id = client["client_id"].as_str().unwrap_or_default().to_owned();
        out.push((id.clone(), name.to_owned()));
        t.put(Kind::Clients, id, client);
    }
    // Every application can use the interactive connections.
    let interactive: Vec<String> = out.iter().skip(1).map(|(id, _)| id.clone()).collect();
    for (conn_id, _, _) in connections {
        t.modify(Kind::Connections, conn_id, |c| c["enabled_clients"] = json!(interactive));
    }
    // The emulator's application may call both APIs; the reporting job reads orders.
    for (api, client) in [("management", &creds.client_id), ("teams", &creds.client_id)] {
        let id = format!("cgr_{}", t.ids.alnum(16));
        t.put(
            Kind::ClientGrants,
            id.clone(),
            json!({"id": id, "client_id": client, "audience": "", "scope": [], "system_api": api}),
        );
    }
    if let Some((job, _)) = out.iter().find(|(_, n)| n == "Reporting Job") {
        let id = format!("cgr_{}", t.ids.alnum(16));
        t.put(
            Kind::ClientGrants,
            id.clone(),
            json!({"id": id, "client_id": job, "audience": APIS[0].1, "scope": ["read:orders"]}),
        );
        let id = format!("cgr_{}", t.ids.alnum(16));
        let all: Vec<&str> = APIS[0].2.to_vec();
        t.put(
            Kind::ClientGrants,
            id.clone(),
            json!({"id": id, "client_id": creds.client_id, "audience": APIS[0].1, "scope": all}),
        );
    }
    out
}

fn seed_apis(t: &mut Tenant) {
    let id = t.ids.hex(24);
    let mgmt = build_resource_server(
        id.clone(),
        &obj(
            json!({"name": "Auth0 Management API", "identifier": "", "is_system": true, "token_lifetime": 86400, "skip_consent_for_verifiable_first_party_clients": false}),
        ),
    );
    t.put(Kind::ResourceServers, id, mgmt);
    for (name, identifier, scopes) in APIS {
        let id = t.ids.hex(24);
        let scopes: Vec<Value> = scopes
            .iter()
            .map(|s| json!({"value": s, "description": format!("{} {}", s.split(':').next().unwrap_or(s), name)}))
            .collect();
        let api = build_resource_server(
            id.clone(),
            &obj(json!({"name": name, "identifier": identifier, "scopes": scopes, "allow_offline_access": true})),
        );
        t.put(Kind::ResourceServers, id, api);
    }
}

fn seed_roles(t: &mut Tenant) -> Vec<(String, String)> {
    ROLES
        .iter()
        .map(|(name, description)| {
            let id = t.ids.role_id();
            t.put(Kind::Roles, id.clone(), json!({"id": id, "name": name, "description": description}));
            (id, name.to_string())
        })
        .collect()
}

fn seed_admins(t: &mut Tenant, settings: &SeedSettings, now: i64, roles: &[(String, String)]) {
    for (email, role, given, family) in ADMINS {
        let id = t.ids.user_id();
        let created = clock::iso(now - 120 * DAY_MS);
        let fields = obj(json!({
            "email": email, "email_verified": true, "given_name": given, "family_name": family,
            "name": format!("{given} {family}"), "nickname": email.split('@').next().unwrap_or(email),
            "app_metadata": {"gatehouse": {"role": role}},
        }));
        let user = build_user(
            NewUser { user_id: id.clone(), connection: DATABASE_CONNECTION, strategy: "auth0", created_at: created },
            &fields,
        );
        t.put(Kind::Users, id.clone(), user);
        let hash = password::hash(&mut t.ids, &settings.credentials.demo_password);
        t.put(Kind::Passwords, id.clone(), json!(hash));
        if let Some((role_id, _)) = roles.iter().find(|(_, n)| n == role) {
            t.put(Kind::UserRoles, id, json!([role_id]));
        }
    }
    t.put(Kind::Meta, "demo_password", json!(settings.credentials.demo_password));
}

fn user_id_for(t: &mut Tenant, strategy: &str, connection: &str, email: &str) -> String {
    match strategy {
        "auth0" => t.ids.user_id(),
        "google-oauth2" => format!("google-oauth2|{}", t.ids.digits(21)),
        "samlp" => format!("samlp|{connection}|{email}"),
        "waad" => format!("waad|{}", t.ids.alnum(43)),
        "okta" => format!("okta|00u{}", t.ids.alnum(17)),
        "oidc" => format!("oidc|{connection}|{}", t.ids.hex(24)),
        other => format!("{other}|{connection}|{}", t.ids.hex(16)),
    }
}

fn seed_users(t: &mut Tenant, count: usize, now: i64, roles: &[(String, String)]) -> Vec<(String, String)> {
    let mut drafts = Vec::with_capacity(count);
    for i in 0..count {
        let first = *t.ids.pick(FIRST);
        let last = *t.ids.pick(LAST);
        let domain = *t.ids.pick(DOMAINS);
        let local: String = format!("{}.{}{}", first, last, i).to_lowercase().chars().filter_map(email_char).collect();
        let email = format!("{local}@{domain}");
        let (conn, strategy, _) = *weighted(t, CONNECTIONS, |c| c.2);
        let created = now - t.ids.range(DAY_MS / 24, 365 * DAY_MS);
        drafts.push((created, first, last, email, conn, strategy));
    }
    drafts.sort_by_key(|d| d.0);
    let plans = ["free", "free", "free", "pro", "pro", "enterprise"];
    let locales = ["en", "en", "fr", "de", "es", "ja", "pt-BR"];
    let mut out = Vec::with_capacity(count);
    for (created, first, last, email, conn, strategy) in drafts {
        let id = user_id_for(t, strategy, conn, &email);
        let logged_in = t.ids.chance(0.8);
        let last_login = created + t.ids.range(0, (now - created).max(1));
        let logins = if logged_in { t.ids.range(1, 400) } else { 0 };
        let plan = *t.ids.pick(&plans);
        let mut fields = json!({
            "email": email,
            "email_verified": strategy != "auth0" || t.ids.chance(0.85),
            "given_name": first,
            "family_name": last,
            "name": format!("{first} {last}"),
            "nickname": email.split('@').next().unwrap_or(&email),
            "app_metadata": {"plan": plan, "customer_id": format!("cus_{}", t.ids.hex(14)), "tags": if plan == "enterprise" { json!(["sso", "priority"]) } else { json!([]) }},
            "user_metadata": {"locale": t.ids.pick(&locales), "theme": if t.ids.chance(0.3) { "dark" } else { "light" }, "newsletter": t.ids.chance(0.4)},
        });
        if t.ids.chance(0.03) {
            fields["blocked"] = json!(true);
        }
        let mut user = build_user(
            NewUser { user_id: id.clone(), connection: conn, strategy, created_at: clock::iso(created) },
            &obj(fields),
        );
        user["logins_count"] = json!(logins);
        if logged_in {
            user["last_login"] = json!(clock::iso(last_login));
            user["last_ip"] = json!(ip(t));
            user["updated_at"] = json!(clock::iso(last_login));
        }
        t.put(Kind::Users, id.clone(), user);
        if t.ids.chance(0.2) {
            let (role, _) = t.ids.pick(&roles[3..]).clone();
            t.put(Kind::UserRoles, id.clone(), json!([role]));
        }
        out.push((id, email));
    }
    out
}

fn seed_organizations(
    t: &mut Tenant,
    users: &[(String, String)],
    roles: &[(String, String)],
    connections: &[(String, String, String)],
) {
    let member_roles: Vec<String> = roles.iter().skip(3).take(3).map(|(id, _)| id.clone()).collect();
    for (i, (name, display, tier)) in ORGS.iter().enumerate() {
        let id = t.ids.organization_id();
        let color = format!("#{}", t.ids.hex(6));
        let mut org = json!({
            "id": id,
            "name": name,
            "display_name": display,
            "branding": {"logo_url": format!("https://{name}.test/logo.png"), "colors": {"primary": color, "page_background": "#ffffff"}},
            "metadata": {"tier": tier, "region": if i % 2 == 0 { "us" } else { "eu" }},
        });
        if i % 3 == 0 {
            let (conn_id, conn_name, strategy) = &connections[0];
            org["enabled_connections"] = json!([{"connection_id": conn_id, "assign_membership_on_login": false, "show_as_button": true, "connection": {"name": conn_name, "strategy": strategy}}]);
        }
        t.put(Kind::Organizations, id.clone(), org);
        let mut members = Map::new();
        if !users.is_empty() {
            let n = t.ids.range(3, 40.min(users.len() as i64 + 1)).max(1) as usize;
            for _ in 0..n {
                let (user, _) = t.ids.pick(users).clone();
                let granted: Vec<Value> =
                    if t.ids.chance(0.5) { vec![json!(t.ids.pick(&member_roles))] } else { Vec::new() };
                members.insert(user, Value::Array(granted));
            }
        }
        t.put(Kind::OrgMembers, id, Value::Object(members));
    }
}

/// The groups answered by their catalog shape: permissions of roles and
/// users, organization invitations, actions, a log stream, and a client grant
/// from a seeded application to a seeded API.
fn seed_more(
    t: &mut Tenant,
    now: i64,
    settings: &SeedSettings,
    users: &[(String, String)],
    roles: &[(String, String)],
    clients: &[(String, String)],
) {
    use crate::generic::{add_relation, concrete_path, put_object};
    let permission = |api: usize, scope: &str| json!({"resource_server_identifier": APIS[api].1, "permission_name": scope, "resource_server_name": APIS[api].0});
    for (i, (role, _)) in roles.iter().take(3).enumerate() {
        let path = concrete_path("/api/v2/roles/{id}/permissions", std::slice::from_ref(role));
        for scope in APIS[i % APIS.len()].2 {
            add_relation(t, &path, &permission(i % APIS.len(), scope));
        }
    }
    for (user, _) in users.iter().take(5) {
        let path = concrete_path("/api/v2/users/{id}/permissions", std::slice::from_ref(user));
        add_relation(t, &path, &permission(0, "read:orders"));
    }
    let orgs: Vec<(String, String)> = t
        .coll(Kind::Organizations)
        .values()
        .take(2)
        .filter_map(|o| Some((o.get("id")?.as_str()?.to_owned(), o.get("name")?.as_str()?.to_owned())))
        .collect();
    for (org, name) in orgs {
        let id = format!("uinv_{}", t.ids.alnum(16));
        let ticket = t.ids.alnum(32);
        let invitation = json!({
            "id": id,
            "organization_id": org,
            "inviter": {"name": "Ada Admin"},
            "invitee": {"email": format!("new.member@{name}.test")},
            "client_id": settings.credentials.web_client_id,
            "invitation_url": format!("{}/login/invitation?invitation={ticket}&organization={org}&organization_name={name}", settings.urls.base),
            "created_at": clock::iso(now - DAY_MS),
            "expires_at": clock::iso(now + 6 * DAY_MS),
            "ticket_id": ticket,
        });
        put_object(
            t,
            &concrete_path("/api/v2/organizations/{id}/invitations", std::slice::from_ref(&org)),
            &id,
            invitation,
        );
    }
    for (name, trigger, code) in [
        (
            "Add roles to tokens",
            "post-login",
            "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('roles', event.authorization?.roles ?? []);\n};\n",
        ),
        (
            "Block disposable emails",
            "pre-user-registration",
            "exports.onExecutePreUserRegistration = async (event, api) => {\n  if (event.user.email?.endsWith('@mailinator.com')) api.access.deny('disposable', 'Use another email');\n};\n",
        ),
    ] {
        let id = t.ids.uuid();
        let action = json!({
            "id": id,
            "name": name,
            "supported_triggers": [{"id": trigger, "version": "v3"}],
            "code": code,
            "runtime": "node18",
            "dependencies": [],
            "secrets": [],
            "status": "built",
            "all_changes_deployed": false,
            "created_at": clock::iso(now - 3 * DAY_MS),
            "updated_at": clock::iso(now - 3 * DAY_MS),
        });
        put_object(t, "/api/v2/actions/actions", &id, action);
    }
    let stream = format!("lst_{}", t.ids.alnum(16));
    put_object(
        t,
        "/api/v2/log-streams",
        &stream,
        json!({"id": stream, "name": "Datadog", "type": "datadog", "status": "active", "sink": {"datadogApiKey": "dd-demo-key", "datadogRegion": "us"}}),
    );
    if let Some((client, _)) = clients.iter().find(|(_, n)| n == "Reporting Job") {
        let id = format!("cgr_{}", t.ids.alnum(16));
        t.put(
            Kind::ClientGrants,
            id.clone(),
            json!({"id": id, "client_id": client, "audience": APIS[2].1, "scope": ["read:stock"]}),
        );
    }
}

fn seed_grants(t: &mut Tenant, users: &[(String, String)], clients: &[(String, String)]) {
    if users.is_empty() {
        return;
    }
    let apps: Vec<&(String, String)> =
        clients.iter().filter(|(_, n)| n == "Acme Storefront" || n == "Acme Mobile").collect();
    for _ in 0..users.len().min(40) {
        let (user, _) = t.ids.pick(users).clone();
        let (client, _) = (*t.ids.pick(&apps)).clone();
        let (_, audience, scopes) = APIS[t.ids.range(0, APIS.len() as i64) as usize];
        let id = t.ids.hex(24);
        let granted: Vec<&str> = scopes.iter().copied().filter(|_| t.ids.chance(0.6)).collect();
        let mut scope = vec!["openid", "profile"];
        scope.extend(granted);
        t.put(
            Kind::Grants,
            id.clone(),
            json!({"id": id, "clientID": client, "user_id": user, "audience": audience, "scope": scope}),
        );
    }
}

fn seed_logs(t: &mut Tenant, now: i64, users: &[(String, String)], clients: &[(String, String)], user_count: usize) {
    let count = (user_count * 5).clamp(500, 5000).min(t.log_retention);
    let mut times: Vec<i64> = (0..count).map(|_| now - t.ids.range(60_000, 7 * DAY_MS)).collect();
    times.sort_unstable();
    for at in times {
        let (kind, _, description) = *weighted(t, LOG_MIX, |m| m.1);
        let (client_id, client_name) = t.ids.pick(clients).clone();
        let agent = *t.ids.pick(AGENTS);
        let mut e = Map::new();
        e.insert("date".into(), json!(clock::iso(at)));
        e.insert("type".into(), json!(kind));
        e.insert("description".into(), json!(description));
        e.insert("client_id".into(), json!(client_id));
        e.insert("client_name".into(), json!(client_name));
        e.insert("ip".into(), json!(ip(t)));
        e.insert("user_agent".into(), json!(agent));
        let user_event = !matches!(kind, "seccft" | "feccft" | "sapi" | "fapi");
        if user_event && !users.is_empty() {
            let (uid, email) = t.ids.pick(users).clone();
            let conn =
                if uid.starts_with("auth0|") { DATABASE_CONNECTION } else { uid.split('|').next().unwrap_or("") };
            e.insert("connection".into(), json!(conn));
            e.insert("strategy".into(), json!(uid.split('|').next().unwrap_or("auth0")));
            e.insert("user_id".into(), json!(uid));
            e.insert("user_name".into(), json!(email));
            e.insert("details".into(), json!({"prompts": [], "stats": {"loginsCount": t.ids.range(1, 300)}}));
        } else if kind == "sapi" || kind == "fapi" {
            e.insert("details".into(), json!({"request": {"method": "patch", "path": "/api/v2/users", "channel": "api"}, "response": {"statusCode": if kind == "sapi" { 200 } else { 403 }}}));
        } else {
            e.insert("details".into(), json!({}));
        }
        e.insert("isMobile".into(), json!(agent.contains("iOS")));
        logs::append(t, e);
    }
}

fn seed_team(t: &mut Tenant, now: i64, settings: &SeedSettings) {
    let mut member_ids = Vec::new();
    for (given, family, email, role) in TEAM {
        let id = t.ids.user_id();
        t.put(
            Kind::TeamMembers,
            id.clone(),
            json!({"id": id, "name": format!("{given} {family}"), "given_name": given, "family_name": family, "nickname": given.to_lowercase(), "email": email, "role": role}),
        );
        member_ids.push((id, format!("{given} {family}")));
    }
    let mut tenant_ids = Vec::new();
    for (i, (name, place, tag, public)) in TENANTS.iter().enumerate() {
        let id = t.ids.uuid();
        let created = clock::iso(now - (200 - i as i64 * 25) * DAY_MS);
        let tenant = if *public {
            let env =
                crate::handlers::teams::LOCALITIES.iter().find(|(l, _)| l == place).map(|(_, e)| *e).unwrap_or("US-3");
            json!({"tenant_id": id, "tenant_name": name, "environment": env, "environment_tag": tag, "domain": format!("{name}.{place}.auth0.com"), "locality": place, "created_at": created})
        } else {
            json!({"tenant_id": id, "tenant_name": name, "environment": place, "domain": format!("{name}.{place}.auth0app.com"), "locality": place, "created_at": created})
        };
        t.put(Kind::Tenants, id.clone(), tenant);
        tenant_ids.push(id);
    }
    let tenant_roles =
        ["owner", "editor-users", "editor-connections", "viewer-config", "viewer-users", "support-access"];
    for (i, (member, _)) in member_ids.iter().enumerate() {
        let mut access = Map::new();
        for (j, tenant) in tenant_ids.iter().enumerate() {
            let owner = i < 2;
            if owner || t.ids.chance(0.5) {
                let role = if owner { "owner" } else { tenant_roles[(i + j) % tenant_roles.len()] };
                access.insert(tenant.clone(), json!([{"role": role}]));
            }
        }
        t.put(Kind::MemberTenants, member.clone(), Value::Object(access));
    }
    let kinds: &[(&str, &str)] = &[
        ("Team Member", "team_member_role_updated"),
        ("Team Invitation", "team_member_invited"),
        ("Tenant Activity", "tenant_created"),
        ("Tenant Member", "tenant_member_added"),
        ("Token Activity", "token_issued"),
        ("Security Policy", "security_policy_updated"),
        ("Team Settings", "team_settings_updated"),
    ];
    let mut times: Vec<i64> = (0..150).map(|_| now - t.ids.range(60_000, 30 * DAY_MS)).collect();
    times.sort_unstable();
    for at in times {
        let (kind, event) = *t.ids.pick(kinds);
        let machine = kind == "Token Activity";
        let actor = if machine {
            json!({"id": settings.credentials.client_id, "type": "machine", "name": "Gatehouse Emulator (Management)"})
        } else {
            let (id, name) = t.ids.pick(&member_ids).clone();
            json!({"id": id, "type": "user", "name": name, "isMember": true, "teamRole": "teams_owner"})
        };
        let status = if t.ids.chance(0.92) { "Success" } else { "Failure" };
        let id = t.ids.uuid();
        let entry = json!({
            "id": id,
            "type": kind,
            "status": status,
            "details": {"tenant_id": t.ids.pick(&tenant_ids)},
            "ip": ip(t),
            "hostname": settings.urls.host(),
            "user_agent": *t.ids.pick(AGENTS),
            "version": "1.0",
            "created_at": clock::iso(at),
            "current_event": event,
            "actor": actor,
        });
        logs::append_activity(t, id, entry);
    }
}

/// The character an e-mail local part gets for one character of a name:
/// letters lose their accents (Müller → muller), apostrophes and other
/// punctuation are dropped (O'Brien → obrien).
fn email_char(c: char) -> Option<char> {
    if c.is_ascii_alphanumeric() || c == '.' {
        return Some(c);
    }
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => return None,
    };
    Some(plain)
}

#[cfg(test)]
mod tests {
    use super::email_char;

    #[test]
    fn names_become_plain_email_local_parts() {
        let local = |name: &str| name.to_lowercase().chars().filter_map(email_char).collect::<String>();
        assert_eq!(local("Kai.Müller188"), "kai.muller188");
        assert_eq!(local("Evelyn.O'Brien173"), "evelyn.obrien173");
        assert_eq!(local("Zoë.Núñez2"), "zoe.nunez2");
    }
}
