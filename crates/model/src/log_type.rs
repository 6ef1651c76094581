//! Log event type codes (the `type` field of a log event).
//!
//! Auth0 names every kind of log event with a short code: `s` for a
//! successful login, `f` for a failed one, `sapi` for a Management API write
//! and so on. Codes this list does not know decode as [`LogType::Unknown`]
//! and are written back unchanged.

crate::string_enum! {
    /// What a log event records.
    pub enum LogType {
        /// Login succeeded.
        SuccessLogin => "s",
        /// Login failed.
        FailedLogin => "f",
        /// Login failed because of a wrong password.
        FailedLoginIncorrectPassword => "fp",
        /// Login failed because the email or username is unknown.
        FailedLoginInvalidEmailUsername => "fu",
        /// A warning was raised during login.
        WarningDuringLogin => "w",
        /// Silent authentication succeeded.
        SuccessSilentAuth => "ssa",
        /// Silent authentication failed.
        FailedSilentAuth => "fsa",
        /// Cross-origin authentication succeeded.
        SuccessCrossOriginAuthentication => "scoa",
        /// Cross-origin authentication failed.
        FailedCrossOriginAuthentication => "fcoa",
        /// A request was refused by the CORS policy.
        FailedByCors => "fco",
        /// A connector (such as the AD/LDAP connector) reported a failure.
        FailedByConnector => "fc",
        /// Logout succeeded.
        SuccessLogout => "slo",
        /// Logout failed.
        FailedLogout => "flo",
        /// Signup succeeded.
        SuccessSignup => "ss",
        /// Signup failed.
        FailedSignup => "fs",
        /// A Management API operation succeeded.
        SuccessApiOperation => "sapi",
        /// A Management API operation failed.
        FailedApiOperation => "fapi",
        /// A Management API read operation.
        ManagementApiRead => "mgmt_api_read",
        /// An API rate limit was reached.
        ApiLimit => "api_limit",
        /// An API rate limit is close to being reached.
        ApiLimitWarning => "api_limit_warning",
        /// Client credentials were exchanged for an access token.
        SuccessExchangeClientCredentials => "seccft",
        /// Exchanging client credentials for an access token failed.
        FailedExchangeClientCredentials => "feccft",
        /// An authorization code was exchanged for an access token.
        SuccessExchangeAuthorizationCode => "seacft",
        /// Exchanging an authorization code for an access token failed.
        FailedExchangeAuthorizationCode => "feacft",
        /// A password was exchanged for an access token.
        SuccessExchangePassword => "sepft",
        /// Exchanging a password for an access token failed.
        FailedExchangePassword => "fepft",
        /// A refresh token was exchanged for an access token.
        SuccessExchangeRefreshToken => "sertft",
        /// Exchanging a refresh token for an access token failed.
        FailedExchangeRefreshToken => "fertft",
        /// A rotating refresh token was reused or could not be exchanged.
        FailedExchangeRotatingRefreshToken => "ferrt",
        /// A device code was exchanged for an access token.
        SuccessExchangeDeviceCode => "sede",
        /// Exchanging a device code for an access token failed.
        FailedExchangeDeviceCode => "fede",
        /// A password and MFA one-time password were exchanged for an access token.
        SuccessExchangePasswordOtp => "seotpft",
        /// Exchanging a password and MFA one-time password failed.
        FailedExchangePasswordOtp => "feotpft",
        /// A password and out-of-band MFA challenge were exchanged for an access token.
        SuccessExchangePasswordOob => "seoobft",
        /// Exchanging a password and out-of-band MFA challenge failed.
        FailedExchangePasswordOob => "feoobft",
        /// A password and MFA recovery code were exchanged for an access token.
        SuccessExchangePasswordRecoveryCode => "sercft",
        /// Exchanging a password and MFA recovery code failed.
        FailedExchangePasswordRecoveryCode => "fercft",
        /// A passwordless one-time password was exchanged for an access token.
        SuccessExchangePasswordlessOtp => "sepotpft",
        /// Exchanging a passwordless one-time password failed.
        FailedExchangePasswordlessOtp => "fepotpft",
        /// A native social login token was exchanged.
        SuccessExchangeNativeSocialLogin => "sens",
        /// Exchanging a native social login token failed.
        FailedExchangeNativeSocialLogin => "fens",
        /// A custom token exchange succeeded.
        SuccessCustomTokenExchange => "secte",
        /// A custom token exchange failed.
        FailedCustomTokenExchange => "fecte",
        /// A refresh token was revoked.
        SuccessRevokeRefreshToken => "srrt",
        /// Delegation succeeded.
        SuccessDelegation => "sd",
        /// Delegation failed.
        FailedDelegation => "fd",
        /// Too many calls to the delegation endpoint.
        TooManyDelegationCalls => "limit_delegation",
        /// An email address was changed.
        SuccessChangeEmail => "sce",
        /// Changing an email address failed.
        FailedChangeEmail => "fce",
        /// A password was changed.
        SuccessChangePassword => "scp",
        /// Changing a password failed.
        FailedChangePassword => "fcp",
        /// A password change was requested.
        SuccessChangePasswordRequest => "scpr",
        /// Requesting a password change failed.
        FailedChangePasswordRequest => "fcpr",
        /// The post-change-password hook ran.
        SuccessPostChangePasswordHook => "scph",
        /// The post-change-password hook failed.
        FailedPostChangePasswordHook => "fcph",
        /// A phone number was changed.
        SuccessChangePhoneNumber => "scpn",
        /// Changing a phone number failed.
        FailedChangePhoneNumber => "fcpn",
        /// A username was changed.
        SuccessChangeUsername => "scu",
        /// Changing a username failed.
        FailedChangeUsername => "fcu",
        /// An email address was verified.
        SuccessVerificationEmail => "sv",
        /// Verifying an email address failed.
        FailedVerificationEmail => "fv",
        /// A verification email was requested.
        SuccessVerificationEmailRequest => "svr",
        /// Requesting a verification email failed.
        FailedVerificationEmailRequest => "fvr",
        /// A user was deleted.
        DeletedUser => "du",
        /// Deleting a user succeeded.
        SuccessUserDeletion => "sdu",
        /// Deleting a user failed.
        FailedUserDeletion => "fdu",
        /// An account was blocked after too many failed logins.
        BlockedAccount => "limit_wc",
        /// An IP address was blocked after attempts on too many accounts.
        BlockedIpAddress => "limit_mu",
        /// An account was blocked after too many attempts for one user.
        BlockedAccountSingleUser => "limit_sul",
        /// A blocked user was released.
        UserBlockReleased => "ublkdu",
        /// A breached password was detected.
        BreachedPassword => "pwd_leak",
        /// Multi-factor authentication was required.
        MfaRequired => "mfar",
        /// A passwordless code was sent.
        CodeSent => "cs",
        /// A passwordless code or link was sent.
        CodeLinkSent => "cls",
        /// Sending a notification failed.
        FailedSendingNotification => "fn",
        /// Sending a notification raised a warning.
        WarningSendingNotification => "wn",
        /// User management raised a warning.
        WarningUserManagement => "wum",
        /// A deprecated feature was used.
        DeprecationNotice => "depnote",
        /// A user invitation was accepted.
        SuccessInviteAccept => "si",
        /// Accepting a user invitation failed.
        FailedInviteAccept => "fi",
        /// A user import succeeded.
        SuccessUsersImport => "sui",
        /// A user import failed.
        FailedUsersImport => "fui",
        /// The post-user-registration hook failed.
        FailedPostUserRegistrationHook => "fpurh",
        /// A pushed authorization request failed.
        FailedPushedAuthorizationRequest => "fpar",
        /// Device activation failed.
        FailedDeviceActivation => "fdeac",
        /// A device authorization request failed.
        FailedDeviceAuthorizationRequest => "fdeaz",
        /// The user cancelled the device confirmation.
        UserCanceledDeviceConfirmation => "fdecc",
        /// Provisioning an AD/LDAP connector failed.
        FailedConnectorProvisioning => "fcpro",
        /// An Action failed to execute.
        ActionsExecutionFailed => "actions_execution_failed",
        /// A pre-login risk assessment ran.
        PreLoginAssessment => "pla",
        /// Old refresh tokens were cleaned up.
        ResourceCleanup => "resource_cleanup",
        /// An OIDC back-channel logout request succeeded.
        OidcBackchannelLogoutSucceeded => "oidc_backchannel_logout_succeeded",
        /// An OIDC back-channel logout request failed.
        OidcBackchannelLogoutFailed => "oidc_backchannel_logout_failed",
        /// An MFA email verification was sent.
        GuardianAuthEmailVerification => "gd_auth_email_verification",
        /// An MFA one-time password check failed.
        GuardianAuthFailed => "gd_auth_failed",
        /// An MFA challenge was rejected.
        GuardianAuthRejected => "gd_auth_rejected",
        /// An MFA challenge succeeded.
        GuardianAuthSucceed => "gd_auth_succeed",
        /// MFA enrollment completed.
        GuardianEnrollmentComplete => "gd_enrollment_complete",
        /// Too many failed MFA one-time passwords.
        GuardianOtpRateLimitExceeded => "gd_otp_rate_limit_exceed",
        /// An MFA recovery code was rejected.
        GuardianRecoveryFailed => "gd_recovery_failed",
        /// Too many failed MFA recovery attempts.
        GuardianRecoveryRateLimitExceeded => "gd_recovery_rate_limit_exceed",
        /// An MFA recovery code was accepted.
        GuardianRecoverySucceed => "gd_recovery_succeed",
        /// An MFA email was sent.
        GuardianSendEmail => "gd_send_email",
        /// An MFA push notification was sent.
        GuardianSendPushNotification => "gd_send_pn",
        /// Sending an MFA push notification failed.
        GuardianSendPushNotificationFailure => "gd_send_pn_failure",
        /// An MFA text message was sent.
        GuardianSendSms => "gd_send_sms",
        /// Sending an MFA text message failed.
        GuardianSendSmsFailure => "gd_send_sms_failure",
        /// An MFA voice call was placed.
        GuardianSendVoice => "gd_send_voice",
        /// Placing an MFA voice call failed.
        GuardianSendVoiceFailure => "gd_send_voice_failure",
        /// A second factor challenge started.
        GuardianStartAuth => "gd_start_auth",
        /// MFA enrollment started.
        GuardianStartEnroll => "gd_start_enroll",
        /// Starting MFA enrollment failed.
        GuardianStartEnrollFailed => "gd_start_enroll_failed",
        /// The tenant's MFA settings changed.
        GuardianTenantUpdate => "gd_tenant_update",
        /// An MFA device was unenrolled.
        GuardianUnenroll => "gd_unenroll",
        /// An MFA device account was updated.
        GuardianUpdateDeviceAccount => "gd_update_device_account",
        /// A WebAuthn challenge failed.
        GuardianWebauthnChallengeFailed => "gd_webauthn_challenge_failed",
        /// A WebAuthn enrollment failed.
        GuardianWebauthnEnrollmentFailed => "gd_webauthn_enrollment_failed",
        /// A platform update started (private cloud).
        SystemUpdateStart => "sys_update_start",
        /// A platform update finished (private cloud).
        SystemUpdateEnd => "sys_update_end",
        /// An operating system update started (private cloud).
        SystemOsUpdateStart => "sys_os_update_start",
        /// An operating system update finished (private cloud).
        SystemOsUpdateEnd => "sys_os_update_end",
    }
}

impl LogType {
    /// Whether the code records a success (by Auth0's convention, codes for
    /// successes start with `s`; `ss`, `sapi`, `scp`...).
    pub fn is_success(&self) -> bool {
        matches!(self.as_str().as_bytes(), [b's', ..]) && !self.as_str().starts_with("sys_")
    }

    /// Whether the code records a failure (codes starting with `f`, and MFA failures).
    pub fn is_failure(&self) -> bool {
        let s = self.as_str();
        s.starts_with('f') || s.ends_with("_failed") || s.ends_with("_failure")
    }
}
