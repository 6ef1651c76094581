//! What to generate: operations, names, overrides. The only hand-maintained
//! part of the generator; everything else follows from the specs.

/// An enum the spec leaves as plain strings: (name, doc, (variant, wire value)...).
pub type ExtraEnum = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// One generated module (one spec file → one Rust file).
pub struct Module {
    /// Output file name inside `crates/model/src/generated/`.
    pub file: &'static str,
    /// Spec file name inside the spec directory.
    pub spec_file: &'static str,
    /// Inner doc comment of the generated module.
    pub module_doc: &'static str,
    /// Operations whose request bodies and 2xx responses are generated: (path, methods).
    pub operations: &'static [(&'static str, &'static [&'static str])],
    /// Further schemas to generate even though no operation reaches them directly.
    pub extra_roots: &'static [&'static str],
    /// Rust names for spec schemas: (Rust name, spec schemas merged into it, doc or "").
    pub names: &'static [(&'static str, &'static [&'static str], &'static str)],
    /// Field type overrides: (Rust type, JSON key, Rust type). A key the spec
    /// lacks is added as an optional field.
    pub overrides: &'static [(&'static str, &'static str, &'static str)],
    /// Enums the spec leaves as plain strings: (name, doc, (variant, value)...).
    pub extra_enums: &'static [ExtraEnum],
    /// Type aliases: (name, target, doc).
    pub aliases: &'static [(&'static str, &'static str, &'static str)],
    /// Names that must exist after generation (other code refers to them).
    pub required: &'static [&'static str],
}

/// JSON keys whose string values are credentials and get `crate::Secret`.
pub const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "password",
    "secret",
    "access_token",
    "access_token_secret",
    "refresh_token",
    "id_token",
    "admin_access_token",
    "admin_refresh_token",
    "ext_access_token",
    "ext_refresh_token",
    "signing_secret",
    "private_key",
    "privateKey",
    "key",
    "sasKey",
    "storageAccessKey",
    "servicePassword",
    "masterkey",
    "api_key",
    "apiKey",
];

const MAP: &str = "serde_json::Map<String, serde_json::Value>";

pub const MANAGEMENT: Module = Module {
    file: "management.rs",
    spec_file: "management-api-oas.json",
    module_doc: "Management API v2 objects: users, roles, applications, connections,\n\
                 organizations, log events, grants and APIs.",
    operations: &[
        ("/users", &["get", "post"]),
        ("/users/{id}", &["get", "patch", "delete"]),
        ("/users/{id}/roles", &["get", "post", "delete"]),
        ("/roles", &["get", "post"]),
        ("/roles/{id}", &["get", "patch", "delete"]),
        ("/roles/{id}/users", &["get", "post"]),
        ("/clients", &["get", "post"]),
        ("/clients/{id}", &["get", "patch", "delete"]),
        ("/connections", &["get", "post"]),
        ("/connections/{id}", &["get", "patch", "delete"]),
        ("/organizations", &["get", "post"]),
        ("/organizations/{id}", &["get", "patch", "delete"]),
        ("/organizations/{id}/members", &["get", "post", "delete"]),
        ("/organizations/{id}/members/{user_id}/roles", &["get"]),
        ("/logs", &["get"]),
        ("/logs/{id}", &["get"]),
        ("/grants", &["get"]),
        ("/grants/{id}", &["delete"]),
        ("/resource-servers", &["get", "post"]),
        ("/resource-servers/{id}", &["get", "patch", "delete"]),
    ],
    extra_roots: &[
        "ConnectionOptionsAD",
        "ConnectionOptionsADFS",
        "ConnectionOptionsGoogleApps",
        "ConnectionOptionsGoogleOAuth2",
        "ConnectionOptionsAzureAD",
        "ConnectionOptionsWindowsLive",
        "ConnectionOptionsAuth0",
        "ConnectionOptionsSAML",
        "ConnectionOptionsOIDC",
        "ConnectionOptionsOkta",
    ],
    names: &[
        (
            "User",
            &[
                "UserResponseSchema",
                "GetUserResponseContent",
                "CreateUserResponseContent",
                "UpdateUserResponseContent",
            ],
            "A user account as the API returns it (read, list, create and update all answer with this).",
        ),
        (
            "CreateUser",
            &["CreateUserRequestContent"],
            "Body for creating a user.",
        ),
        (
            "UpdateUser",
            &["UpdateUserRequestContent"],
            "Body for changing a user; only the fields set are changed.",
        ),
        (
            "UserIdentity",
            &["UserIdentitySchema"],
            "One identity provider account linked to a user.",
        ),
        (
            "Role",
            &[
                "Role",
                "GetRoleResponseContent",
                "CreateRoleResponseContent",
                "UpdateRoleResponseContent",
            ],
            "A role: a named set of permissions that can be given to users.",
        ),
        (
            "CreateRole",
            &["CreateRoleRequestContent"],
            "Body for creating a role.",
        ),
        (
            "UpdateRole",
            &["UpdateRoleRequestContent"],
            "Body for changing a role.",
        ),
        (
            "AssignUserRoles",
            &["AssignUserRolesRequestContent"],
            "Body for giving roles to a user.",
        ),
        (
            "RemoveUserRoles",
            &["DeleteUserRolesRequestContent"],
            "Body for taking roles away from a user.",
        ),
        (
            "AssignRoleUsers",
            &["AssignRoleUsersRequestContent"],
            "Body for giving a role to users.",
        ),
        (
            "RoleUser",
            &["RoleUser"],
            "A user holding a role, as listed under the role.",
        ),
        (
            "Client",
            &[
                "Client",
                "GetClientResponseContent",
                "CreateClientResponseContent",
                "UpdateClientResponseContent",
            ],
            "An application (client) registered in the tenant.",
        ),
        (
            "CreateClient",
            &["CreateClientRequestContent"],
            "Body for creating an application.",
        ),
        (
            "UpdateClient",
            &["UpdateClientRequestContent"],
            "Body for changing an application.",
        ),
        (
            "Connection",
            &[
                "GetConnectionResponseContent",
                "ConnectionForList",
                "CreateConnectionResponseContent",
                "UpdateConnectionResponseContent",
            ],
            "A connection: a source of users (database, social, enterprise or passwordless).\n\n\
             `options` depends on the strategy; see [`crate::connection_options`] for typed access.",
        ),
        (
            "CreateConnection",
            &["CreateConnectionRequestContent"],
            "Body for creating a connection.",
        ),
        (
            "UpdateConnection",
            &["UpdateConnectionRequestContent"],
            "Body for changing a connection.",
        ),
        (
            "Organization",
            &[
                "CreateOrganizationResponseContent",
                "Organization",
                "GetOrganizationResponseContent",
                "UpdateOrganizationResponseContent",
            ],
            "An organization: a business customer grouping users and connections.",
        ),
        (
            "CreateOrganization",
            &["CreateOrganizationRequestContent"],
            "Body for creating an organization.",
        ),
        (
            "UpdateOrganization",
            &["UpdateOrganizationRequestContent"],
            "Body for changing an organization.",
        ),
        (
            "OrganizationMember",
            &["OrganizationMember"],
            "A user who belongs to an organization.",
        ),
        (
            "AddOrganizationMembers",
            &["CreateOrganizationMemberRequestContent"],
            "Body for adding users to an organization.",
        ),
        (
            "RemoveOrganizationMembers",
            &["DeleteOrganizationMembersRequestContent"],
            "Body for removing users from an organization.",
        ),
        (
            "LogEvent",
            &["Log", "GetLogResponseContent"],
            "One tenant log event.",
        ),
        (
            "UserGrant",
            &["UserGrant"],
            "Consent a user gave an application for an API's scopes.",
        ),
        (
            "ResourceServer",
            &[
                "ResourceServer",
                "GetResourceServerResponseContent",
                "CreateResourceServerResponseContent",
                "UpdateResourceServerResponseContent",
            ],
            "An API (resource server) that applications request tokens for.",
        ),
        (
            "CreateResourceServer",
            &["CreateResourceServerRequestContent"],
            "Body for creating an API.",
        ),
        (
            "UpdateResourceServer",
            &["UpdateResourceServerRequestContent"],
            "Body for changing an API.",
        ),
        (
            "Strategy",
            &["ConnectionIdentityProviderEnum", "UserIdentityProviderEnum"],
            "Identity provider kind of a connection (its strategy), also the provider of a user identity.",
        ),
        ("AppType", &["ClientAppTypeEnum"], "Kind of application."),
        (
            "TokenEndpointAuthMethod",
            &[
                "ClientTokenEndpointAuthMethodEnum",
                "ClientTokenEndpointAuthMethodOrNullEnum",
            ],
            "How an application authenticates at the token endpoint.",
        ),
        (
            "ClientOrganizationRequireBehavior",
            &[
                "ClientOrganizationRequireBehaviorEnum",
                "ClientOrganizationRequireBehaviorPatchEnum",
            ],
            "",
        ),
        (
            "ClientOrganizationUsage",
            &[
                "ClientOrganizationUsageEnum",
                "ClientOrganizationUsagePatchEnum",
            ],
            "",
        ),
        (
            "ResourceServerTokenDialect",
            &[
                "ResourceServerTokenDialectResponseEnum",
                "ResourceServerTokenDialectSchemaEnum",
            ],
            "",
        ),
        (
            "ClientTokenExchangeConfiguration",
            &[
                "ClientTokenExchangeConfiguration",
                "ClientTokenExchangeConfigurationOrNull",
            ],
            "",
        ),
        (
            "ExpressConfiguration",
            &["ExpressConfiguration", "ExpressConfigurationOrNull"],
            "",
        ),
        (
            "AdOptions",
            &["ConnectionOptionsAD"],
            "Options of an `ad` (Active Directory / LDAP) connection.",
        ),
        (
            "AdfsOptions",
            &["ConnectionOptionsADFS"],
            "Options of an `adfs` connection.",
        ),
        (
            "GoogleAppsOptions",
            &["ConnectionOptionsGoogleApps"],
            "Options of a `google-apps` (Google Workspace) connection.",
        ),
        (
            "GoogleOAuth2Options",
            &["ConnectionOptionsGoogleOAuth2"],
            "Options of a `google-oauth2` connection.",
        ),
        (
            "WaadOptions",
            &["ConnectionOptionsAzureAD"],
            "Options of a `waad` (Microsoft Entra ID / Azure AD) connection.",
        ),
        (
            "WindowsLiveOptions",
            &["ConnectionOptionsWindowsLive"],
            "Options of a `windowslive` (Microsoft account) connection.",
        ),
        (
            "DatabaseOptions",
            &["ConnectionOptionsAuth0"],
            "Options of an `auth0` (database) connection.",
        ),
        (
            "SamlpOptions",
            &["ConnectionOptionsSAML"],
            "Options of a `samlp` (SAML identity provider) connection.",
        ),
        (
            "OidcOptions",
            &["ConnectionOptionsOIDC"],
            "Options of an `oidc` (OpenID Connect) connection.",
        ),
        (
            "OktaOptions",
            &["ConnectionOptionsOkta"],
            "Options of an `okta` (Okta Workforce) connection.",
        ),
    ],
    overrides: &[
        ("LogEvent", "type", "crate::log_type::LogType"),
        ("LogEvent", "date", "String"),
        ("Connection", "options", MAP),
        ("Connection", "strategy", "Strategy"),
        ("Connection", "provisioning_ticket_url", "String"),
        ("CreateConnection", "options", MAP),
        ("UpdateConnection", "options", MAP),
        ("Client", "grant_types", "Vec<GrantType>"),
        ("CreateClient", "grant_types", "Vec<GrantType>"),
        ("UpdateClient", "grant_types", "Vec<GrantType>"),
    ],
    extra_enums: &[(
        "GrantType",
        "An OAuth 2.0 grant an application may use.",
        &[
            ("AuthorizationCode", "authorization_code"),
            ("Implicit", "implicit"),
            ("RefreshToken", "refresh_token"),
            ("ClientCredentials", "client_credentials"),
            ("Password", "password"),
            (
                "PasswordRealm",
                "http://auth0.com/oauth/grant-type/password-realm",
            ),
            ("MfaOob", "http://auth0.com/oauth/grant-type/mfa-oob"),
            ("MfaOtp", "http://auth0.com/oauth/grant-type/mfa-otp"),
            (
                "MfaRecoveryCode",
                "http://auth0.com/oauth/grant-type/mfa-recovery-code",
            ),
            (
                "PasswordlessOtp",
                "http://auth0.com/oauth/grant-type/passwordless/otp",
            ),
            ("DeviceCode", "urn:ietf:params:oauth:grant-type:device_code"),
            (
                "TokenExchange",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("Ciba", "urn:openid:params:grant-type:ciba"),
            ("Webauthn", "urn:okta:params:oauth:grant-type:webauthn"),
            (
                "FederatedConnectionAccessToken",
                "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token",
            ),
        ],
    )],
    aliases: &[],
    required: &[
        "User",
        "CreateUser",
        "UpdateUser",
        "Role",
        "CreateRole",
        "UpdateRole",
        "AssignUserRoles",
        "RemoveUserRoles",
        "AssignRoleUsers",
        "RoleUser",
        "Client",
        "CreateClient",
        "UpdateClient",
        "Connection",
        "CreateConnection",
        "UpdateConnection",
        "Organization",
        "CreateOrganization",
        "UpdateOrganization",
        "OrganizationMember",
        "AddOrganizationMembers",
        "RemoveOrganizationMembers",
        "LogEvent",
        "UserGrant",
        "ResourceServer",
        "CreateResourceServer",
        "UpdateResourceServer",
        "Strategy",
        "AppType",
        "TokenEndpointAuthMethod",
        "GrantType",
        "AdOptions",
        "AdfsOptions",
        "GoogleAppsOptions",
        "GoogleOAuth2Options",
        "WaadOptions",
        "WindowsLiveOptions",
        "DatabaseOptions",
        "SamlpOptions",
        "OidcOptions",
        "OktaOptions",
    ],
};

pub const TEAMS: Module = Module {
    file: "teams.rs",
    spec_file: "teams-api-oas.json",
    module_doc: "Teams API objects: team members, tenants, environments and activity.",
    operations: &[
        ("/api/members", &["get", "post"]),
        ("/api/members/{id}", &["get", "patch", "delete"]),
        ("/api/members/{id}/tenants", &["put", "patch", "delete"]),
        ("/api/members/{id}/tenants/{environment}", &["get"]),
        ("/api/tenants", &["get", "post"]),
        ("/api/tenants/{tenantId}", &["get", "delete"]),
        ("/api/tenants/{tenantId}/members", &["get"]),
        ("/api/environments", &["get"]),
        ("/api/activity/logs", &["get"]),
    ],
    extra_roots: &[],
    names: &[
        (
            "TeamMember",
            &["TeamMember", "GetMembersResponseContent"],
            "A member of the team.",
        ),
        (
            "InviteMembers",
            &["InviteMembersRequestContent"],
            "Body for inviting someone to the team.",
        ),
        (
            "InviteMembersResult",
            &["InviteMembersResponseContent"],
            "The invitation that was sent.",
        ),
        (
            "Tenant",
            &["TenantItem"],
            "A tenant of the team, as listed.",
        ),
        (
            "TenantDetails",
            &["GetTenantsResponseContent"],
            "One tenant of the team, read by id.",
        ),
        (
            "CreateTenant",
            &["CreateTenantsRequestContent"],
            "Body for creating a tenant (public cloud: `locality`; private cloud: `environment`).",
        ),
        (
            "CreatedTenant",
            &["CreateTenantsResponseContent"],
            "A newly created tenant with its management application.",
        ),
        (
            "TenantMember",
            &["TenantMember"],
            "A team member with access to a tenant.",
        ),
        (
            "UpdateMember",
            &["UpdateMembersRequestContent"],
            "Body for changing a team member's role.",
        ),
        (
            "UpdatedMember",
            &["UpdateMembersResponseContent"],
            "A team member after a role change.",
        ),
        (
            "AddMemberTenants",
            &["CreateMembersTenantsRequestContent"],
            "Body for giving a team member access to tenants.",
        ),
        (
            "UpdateMemberTenants",
            &["UpdateMembersTenantsRequestContent"],
            "Body for changing a team member's roles in tenants.",
        ),
        (
            "RemoveMemberTenants",
            &["DeleteMembersTenantsRequestContent"],
            "Body for taking tenant access away from a team member.",
        ),
        (
            "MemberTenantsResult",
            &[
                "CreateMembersTenantsResponseContent",
                "UpdateMembersTenantsResponseContent",
                "DeleteMembersTenantsResponseContent",
            ],
            "Per-tenant outcome of adding, changing or removing a team member's tenant access.",
        ),
        (
            "MemberTenantsSuccess",
            &[
                "MembersTenantsSuccessItem",
                "DeleteMembersTenantsSuccessItem",
            ],
            "Tenants for which a tenant access change succeeded.",
        ),
        (
            "MemberTenantsFailure",
            &["MembersTenantsFailureItem"],
            "A tenant for which a tenant access change failed.",
        ),
        (
            "MemberTenantsSummary",
            &["MembersTenantsBulkSummary"],
            "Counts of a tenant access change.",
        ),
        (
            "MemberTenant",
            &["MemberTenantItem"],
            "A tenant a team member can access, with the member's roles there.",
        ),
        (
            "ActivityLogEntry",
            &["ActivityLogEntry"],
            "One entry of the team's activity log.",
        ),
    ],
    overrides: &[],
    extra_enums: &[],
    aliases: &[
        (
            "Environment",
            "String",
            "Name of an environment tenants can be created in (the API lists them as plain strings).",
        ),
        (
            "AddMemberTenantsResult",
            "MemberTenantsResult",
            "Answer to adding tenant access (same shape as the others).",
        ),
        (
            "UpdateMemberTenantsResult",
            "MemberTenantsResult",
            "Answer to changing tenant access (same shape as the others).",
        ),
        (
            "RemoveMemberTenantsResult",
            "MemberTenantsResult",
            "Answer to removing tenant access (same shape as the others).",
        ),
    ],
    required: &[
        "TeamMember",
        "InviteMembers",
        "InviteMembersResult",
        "Tenant",
        "TenantDetails",
        "CreateTenant",
        "CreatedTenant",
        "Environment",
        "TenantMember",
        "UpdateMember",
        "UpdatedMember",
        "AddMemberTenants",
        "UpdateMemberTenants",
        "RemoveMemberTenants",
        "MemberTenantsResult",
        "MemberTenant",
        "ActivityLogEntry",
    ],
};
