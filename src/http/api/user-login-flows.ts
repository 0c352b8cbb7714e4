/**
 * The steps of a user login after `/api/user/login` answered with a `redirect_url`, as OpenTera
 * answers them: `POST /api/user/login/change_password` (a forced password change),
 * `GET|POST /api/user/login/setup_2fa` (offer an OTP secret and its QR code; confirm it with a
 * code) and `GET|POST /api/user/login/2fa` (an OTP code completes the login: token and
 * websocket URL).
 *
 * Who is calling: the half-logged-in session of the login cookie (auth/login-sessions.ts),
 * valid on any node, for the one step the login allowed; the step's success ends it. Without
 * the cookie, HTTP Basic identifies a user, which only ever reaches OpenTera's refusals: a user
 * with a pending step is refused Basic outside `/api/user/login`. A user who has nothing to do
 * at this step gets OpenTera's 400/403 and the session ends; a session for another step is 401.
 *
 * Arguments are read as flask-restx's strict parsers read them: from the query string and the
 * JSON or form body, unknown ones refused, a missing one named in a 400. Wrong 2FA codes are
 * counted per user through the LoginThrottle (shared by every node with Redis): five within
 * 900 s refuse the user's 2FA (403) until the window ends. Codes, secrets and passwords are
 * never logged.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { UserAccount } from '../../auth/accounts.js';
import { isRefusal, type Refusal } from '../../auth/authenticate.js';
import { checkClientVersion } from '../../auth/client-version.js';
import { secretsEqual } from '../../auth/credentials.js';
import {
  beginLoginStep,
  clearLoginCookie,
  endLoginSession,
  findLoginSession,
  loginCookie,
  offerOtpSecret,
  type LoginSession,
  type LoginStep,
} from '../../auth/login-sessions.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { LOGIN_TOKEN_TTL_S } from '../../auth/tokens.js';
import { newOtpSecret, otpCodeStep, otpUri, qrPng } from '../../auth/totp.js';
import { passwordWeaknesses, weaknessesText } from '../../admin/users-password.js';
import { publishDatabaseEvent } from '../../admin/events.js';
import { userAccountByUuid } from '../../store/queries/accounts.js';
import {
  acceptOtpStep,
  enableUserOtp,
  setUserPassword,
} from '../../store/queries/login-sessions.js';
import type { App } from '../app.js';
import { authRequest, clientAddress, websocketUrlIfOffline, type ApiContext } from '../context.js';
import { bool, parseArgs, str, type ArgSpec, type Args } from '../query.js';
import { sendArgsError, sendJson, sendRefusal, sendText } from '../replies.js';
import { defineRoute, mountRoutes, type Route } from '../route.js';
import {
  ArgsErrorBody,
  ErrorBody,
  JsonText,
  OutdatedClient,
  UserLoginSuccess,
  UserUnauthorized,
  type Security,
} from '../schemas.js';
import { loginSucceeded } from './outcomes.js';
import { userToken } from './user.js';

const tags = ['user'];
const SESSION_SECURITY: Security = [{ loginSession: [] }, { basic: [] }];

/** The caller of a step: the user, and its session unless it came with Basic. */
interface StepCaller {
  readonly account: UserAccount;
  readonly session: LoginSession | null;
}

const NO_SESSION: Refusal = { refusal: 'unauthorized' };

async function stepCaller(ctx: ApiContext, request: FastifyRequest): Promise<StepCaller | Refusal> {
  const id = loginCookie(request.headers.cookie);
  if (id !== undefined) {
    const session = await findLoginSession(ctx.deps.db, id);
    if (!session) return NO_SESSION;
    const account = await ctx.auth.accounts.userByUuid(session.user_uuid);
    return account?.enabled ? { account, session } : NO_SESSION;
  }
  if (!/^basic\s/i.test(request.headers.authorization ?? '')) return NO_SESSION;
  const auth = await ctx.auth.user(authRequest(request), {
    basic: true,
    token: false,
    login: false,
  });
  return isRefusal(auth) ? auth : { account: auth.account, session: null };
}

/** OpenTera's session check answers `"Unauthorized"` (JSON); the auth layer's own refusals as usual. */
const refused = (reply: FastifyReply, r: Refusal): FastifyReply =>
  r.refusal === 'unauthorized' ? sendText(reply, 401, 'Unauthorized') : sendRefusal(reply, r);

/** The session when it allows `step`, else null. */
const sessionFor = (caller: StepCaller, step: LoginStep): LoginSession | null =>
  caller.session?.step === step ? caller.session : null;

/** Ends the caller's session (OpenTera's logout on a refusal) and answers `status` `text`. */
async function endWith(
  ctx: ApiContext,
  reply: FastifyReply,
  caller: StepCaller,
  status: number,
  text: string,
): Promise<FastifyReply> {
  if (caller.session) {
    await endLoginSession(ctx.deps.db, caller.session);
    clearLoginCookie(reply);
  }
  return sendText(reply, status, text);
}

/** The request's arguments: the query string, then the JSON or form body's fields. */
function givenArgs(request: FastifyRequest): Record<string, unknown> | null {
  const merged = Object.assign(Object.create(null) as Record<string, unknown>, request.query);
  const body = request.body;
  if (body === undefined || body === null) return merged;
  if (typeof body !== 'object' || Array.isArray(body)) return null;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v === 'string') merged[k] ??= v;
    else if (typeof v === 'number' || typeof v === 'boolean') merged[k] ??= String(v);
    else if (v !== null) return null;
  }
  return merged;
}

type Parsed<S extends ArgSpec> = { ok: true; args: Args<S> } | { ok: false };

/**
 * Parses the request's arguments strictly against `spec`; `required` names those that must be
 * given, with the help text flask-restx answers for a missing one. Answers the 400 itself.
 */
function readArgs<S extends ArgSpec>(
  request: FastifyRequest,
  reply: FastifyReply,
  spec: S,
  required: Partial<Record<keyof S & string, string>>,
): Parsed<S> {
  const given = givenArgs(request);
  if (given === null) {
    sendArgsError(reply, { message: 'Input payload validation failed' });
    return { ok: false };
  }
  const parsed = parseArgs(given, spec, { strict: true });
  if (!parsed.ok) {
    sendArgsError(reply, parsed.body);
    return { ok: false };
  }
  for (const [name, help] of Object.entries(required) as Array<[string, string]>) {
    if ((parsed.args as Record<string, unknown>)[name] === undefined) {
      sendArgsError(reply, {
        errors: { [name]: help },
        message: 'Input payload validation failed',
      });
      return { ok: false };
    }
  }
  return { ok: true, args: parsed.args };
}

/** A user write, announced as OpenTera's DatabaseEvent (without secrets). */
function announceUser(ctx: ApiContext, a: UserAccount): Promise<void> {
  return publishDatabaseEvent(ctx.deps, 'user', 'update', {
    id_user: a.id,
    user_uuid: a.uuid,
    user_firstname: a.firstname,
    user_lastname: a.lastname,
    user_enabled: a.enabled,
    user_name: `${a.firstname} ${a.lastname}`,
  });
}

// ---------------------------------------------------------------------------------------------
// POST /api/user/login/change_password

const CHANGE_ARGS = {
  new_password: str('New password for the user'),
  confirm_password: str('Password confirmation for the user'),
} as const;

async function changePassword(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  caller: StepCaller,
): Promise<FastifyReply> {
  const read = readArgs(request, reply, CHANGE_ARGS, {
    new_password: CHANGE_ARGS.new_password.description,
    confirm_password: CHANGE_ARGS.confirm_password.description,
  });
  if (!read.ok) return reply;
  const password = read.args.new_password!;
  if (!secretsEqual(password, read.args.confirm_password!))
    return sendText(reply, 400, 'New password and confirm password do not match');
  const a = caller.account;
  if (!a.forcePasswordChange) return sendText(reply, 400, 'User not required to change password');
  const session = sessionFor(caller, 'password_change');
  if (!session) return sendText(reply, 401, 'Unauthorized');
  const weak = passwordWeaknesses(password);
  if (weak.length > 0)
    return sendText(reply, 400, weak.map((w) => weaknessesText([w])).join('<br>'));
  if (await verifyPassword(password, a.passwordHash))
    return sendText(reply, 400, 'New password same as old password');
  const hash = await hashPassword(password);
  if (!(await endLoginSession(ctx.deps.db, session))) return sendText(reply, 401, 'Unauthorized');
  await setUserPassword(ctx.deps.db, a.id, hash);
  clearLoginCookie(reply);
  await announceUser(ctx, a);
  return sendText(reply, 200, 'Password changed');
}

// ---------------------------------------------------------------------------------------------
// GET|POST /api/user/login/setup_2fa

const SETUP_POST_ARGS = {
  otp_secret: str('OTP Secret for the user.'),
  otp_code: str('OTP code for the secret, from the authenticator app.'),
  with_email_enabled: bool('Enable email notifications for 2FA'),
} as const;

const TOO_MANY = 'Too many 2FA attempts. Please wait and try again.';

/** OpenTera's checks before a set-up step: the session if they pass, else the answer sent. */
async function setupSession(
  ctx: ApiContext,
  reply: FastifyReply,
  caller: StepCaller,
): Promise<LoginSession | FastifyReply> {
  const a = caller.account;
  if (!a.twoFactorEnabled)
    return endWith(ctx, reply, caller, 403, 'User does not have 2FA enabled');
  if (a.hasOtpSecret)
    return endWith(ctx, reply, caller, 403, 'User already has 2FA OTP secret set');
  if (await ctx.auth.throttle.twoFactorBlocked(a.uuid))
    return endWith(ctx, reply, caller, 403, TOO_MANY);
  return sessionFor(caller, '2fa_setup') ?? sendText(reply, 401, 'Unauthorized');
}

const isSession = (v: LoginSession | FastifyReply): v is LoginSession => 'hash' in v;

async function offerSetup(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  caller: StepCaller,
): Promise<FastifyReply> {
  const session = await setupSession(ctx, reply, caller);
  if (!isSession(session)) return session;
  const secret = newOtpSecret();
  await offerOtpSecret(ctx.deps.db, session, secret);
  const issuer = `TeraRelay ${request.hostname.replace(/:\d+$/, '')}`;
  const png = qrPng(otpUri(secret, caller.account.username, issuer));
  return sendJson(reply, 200, { qr_code: png.toString('base64'), otp_secret: secret });
}

async function confirmSetup(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  caller: StepCaller,
): Promise<FastifyReply> {
  const read = readArgs(request, reply, SETUP_POST_ARGS, {
    otp_secret: SETUP_POST_ARGS.otp_secret.description,
    otp_code: SETUP_POST_ARGS.otp_code.description,
  });
  if (!read.ok) return reply;
  const session = await setupSession(ctx, reply, caller);
  if (!isSession(session)) return session;
  const secret = read.args.otp_secret!;
  const offered = session.otp_secret;
  const a = caller.account;
  if (offered === null || !secretsEqual(secret, offered))
    return sendText(reply, 401, 'Invalid OTP code');
  // The code that proves the secret is used up too: the next login needs a later one.
  const step = otpCodeStep(offered, read.args.otp_code!);
  if (step === null || !(await acceptOtpStep(ctx.deps.db, a.id, step)))
    return sendText(reply, 401, 'Invalid OTP code');
  if (!(await endLoginSession(ctx.deps.db, session))) return sendText(reply, 401, 'Unauthorized');
  await enableUserOtp(ctx.deps.db, a.id, offered, read.args.with_email_enabled ?? false);
  await beginLoginStep(ctx.deps.db, reply, a.id, '2fa');
  await announceUser(ctx, a);
  return sendJson(reply, 200, {
    message: '2FA enabled for this user.',
    redirect_url: '/login_validate_2fa',
  });
}

// ---------------------------------------------------------------------------------------------
// GET|POST /api/user/login/2fa

const TWO_FA_ARGS = {
  otp_code: str('2FA otp code'),
  with_websocket: bool(
    'If set, requires that a websocket url is returned. If not possible to do so, return a 403 error.',
  ),
} as const;

async function validateCode(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  caller: StepCaller,
): Promise<FastifyReply> {
  const read = readArgs(request, reply, TWO_FA_ARGS, {
    otp_code: TWO_FA_ARGS.otp_code.description,
  });
  if (!read.ok) return reply;
  const a = caller.account;
  if (!a.twoFactorEnabled)
    return endWith(ctx, reply, caller, 403, 'User does not have 2FA enabled');
  if (!a.twoFactorOtpEnabled || !a.hasOtpSecret)
    return endWith(ctx, reply, caller, 403, 'User does not have 2FA OTP enabled or secret set');
  const session = sessionFor(caller, '2fa');
  if (!session) return sendText(reply, 401, 'Unauthorized');
  const throttle = ctx.auth.throttle;
  if (await throttle.twoFactorBlocked(a.uuid)) return endWith(ctx, reply, caller, 403, TOO_MANY);
  const secret = (await userAccountByUuid(ctx.deps.db, a.uuid))?.user_2fa_otp_secret;
  const step = secret ? otpCodeStep(secret, read.args.otp_code!) : null;
  // A code already used (RFC 6238 §5.2) is refused as a wrong one.
  if (step === null || !(await acceptOtpStep(ctx.deps.db, a.id, step))) {
    await throttle.twoFactorFailed(a.uuid);
    ctx.auth.audit.loginFailed({
      kind: 'user',
      reason: 'bad_otp_code',
      address: clientAddress(request),
      uuid: a.uuid,
    });
    return sendText(reply, 401, 'Invalid OTP code');
  }
  if (!(await endLoginSession(ctx.deps.db, session))) return sendText(reply, 401, 'Unauthorized');
  clearLoginCookie(reply);
  await throttle.twoFactorSucceeded(a.uuid);

  const version = await checkClientVersion(ctx.deps.db, request.headers);
  if (version.kind === 'outdated') return sendJson(reply, 426, version.body);
  const answer: Record<string, unknown> = version.kind === 'known' ? { ...version.fields } : {};
  if (read.args.with_websocket) {
    const url = await websocketUrlIfOffline(ctx, request, 'user', a.uuid);
    if (url === null) return sendText(reply, 403, 'User already logged in.');
    answer.websocket_url = url;
  }
  answer.user_uuid = a.uuid;
  answer.user_fullname = `${a.firstname} ${a.lastname}`;
  answer.user_token = await userToken(ctx, { kind: 'user', account: a }, LOGIN_TOKEN_TTL_S);
  loginSucceeded(ctx, request, reply, { kind: 'user', uuid: a.uuid, via: 'basic' });
  return sendJson(reply, 200, answer);
}

// ---------------------------------------------------------------------------------------------

const Unauthorized401 = UserUnauthorized;
const BadArgs400 = Type.Union([ArgsErrorBody, JsonText]);
const SetupOffer = Type.Object(
  {
    qr_code: Type.String({ description: 'A PNG of the otpauth:// URI as a QR code, base64' }),
    otp_secret: Type.String({ description: 'The offered secret, base32' }),
  },
  { additionalProperties: false },
);
const SetupDone = Type.Object(
  { message: Type.String(), redirect_url: Type.Literal('/login_validate_2fa') },
  { additionalProperties: false },
);

export function userLoginFlowRoutes(ctx: ApiContext): Route[] {
  const common = {
    tags,
    security: SESSION_SECURITY,
    authenticate: (request: FastifyRequest) => stepCaller(ctx, request),
    refused,
  };
  const twoFa = (method: 'GET' | 'POST') =>
    defineRoute({
      ...common,
      method,
      url: '/api/user/login/2fa',
      summary: 'Complete a login with a 2FA (OTP) code; optionally get a one-time websocket URL',
      description:
        'Needs the login session a login answered `reason: 2fa` with. A wrong code is 401 and ' +
        'counted: 5 within 900 s refuse 2FA for the user (403).',
      ...(method === 'GET'
        ? { args: TWO_FA_ARGS }
        : {
            body: Type.Object({
              otp_code: Type.String(),
              with_websocket: Type.Optional(Type.Boolean()),
            }),
          }),
      response: {
        200: UserLoginSuccess,
        400: ArgsErrorBody,
        401: Unauthorized401,
        403: JsonText,
        426: OutdatedClient,
        429: ErrorBody,
      },
      handle: ({ request, reply, caller }) => validateCode(ctx, request, reply, caller),
    });
  return [
    defineRoute({
      ...common,
      method: 'POST',
      url: '/api/user/login/change_password',
      summary: 'Set a new password when the login required a change',
      description:
        'Needs the login session a login answered `reason: password_change` with. The new ' +
        'password must be strong (10 characters, lower and upper case, a digit, another ' +
        'character) and differ from the old one.',
      body: Type.Object({ new_password: Type.String(), confirm_password: Type.String() }),
      response: { 200: JsonText, 400: BadArgs400, 401: Unauthorized401, 429: ErrorBody },
      handle: ({ request, reply, caller }) => changePassword(ctx, request, reply, caller),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: '/api/user/login/setup_2fa',
      summary: 'Offer a new 2FA (OTP) secret and its QR code',
      description: 'Needs the login session a login answered `reason: 2fa_setup` with.',
      args: {},
      strictArgs: true,
      response: {
        200: SetupOffer,
        400: ArgsErrorBody,
        401: Unauthorized401,
        403: JsonText,
        429: ErrorBody,
      },
      handle: ({ request, reply, caller }) => offerSetup(ctx, request, reply, caller),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: '/api/user/login/setup_2fa',
      summary: 'Turn 2FA (OTP) on with the offered secret and a code from it',
      description:
        'The secret must be the one the GET offered on this session, and the code one of its ' +
        'codes (else 401). On success the next step is /login_validate_2fa.',
      body: Type.Object({
        otp_secret: Type.String(),
        otp_code: Type.String(),
        with_email_enabled: Type.Optional(Type.Boolean()),
      }),
      response: {
        200: SetupDone,
        400: ArgsErrorBody,
        401: Unauthorized401,
        403: JsonText,
        429: ErrorBody,
      },
      handle: ({ request, reply, caller }) => confirmSetup(ctx, request, reply, caller),
    }),
    twoFa('GET'),
    twoFa('POST'),
  ];
}

/** Form bodies as flask-restx reads them: each field's first value. */
function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = v;
  return out;
}

/** Mounts the routes, in a scope that also reads `application/x-www-form-urlencoded` bodies. */
export function registerUserLoginFlows(app: App, ctx: ApiContext): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, parseForm(body as string)),
    );
    mountRoutes(scope, userLoginFlowRoutes(ctx));
  });
}
