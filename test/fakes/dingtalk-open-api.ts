/**
 * A local fake of the DingTalk OpenAPI calls our DingTalk app makes, speaking DingTalk's wire protocol. Mount it on an
 * HTTP server with `handle(req, res)` (it answers the paths below and returns false for any other, such as the Stream
 * gateway's `connections/open`); the app's DINGTALK_API_BASE_URL and DINGTALK_OAPI_BASE_URL both point at that server.
 *
 * New API (api.dingtalk.com), JSON bodies, token in the `x-acs-dingtalk-access-token` header:
 *   POST /v1.0/oauth2/accessToken {appKey, appSecret} → {accessToken, expireIn:7200}; wrong credentials → 400
 *     {code:'invalidClientIdOrSecret'}.
 *   POST /v1.0/card/instances/createAndDeliver {cardTemplateId, outTrackId, callbackType, cardData{cardParamMap},
 *     openSpaceId:'dtv1.card//IM_GROUP.<openConversationId>', imGroupOpenSpaceModel, imGroupOpenDeliverModel{robotCode,
 *     atUserIds: {staffId: name}}} → {success, result{outTrackId, deliverResults[{spaceType, spaceId, success, errorMsg}]}}.
 *     Checked: the template exists (param.templateNotExist), every cardParamMap value is a string and atUserIds is a
 *     map, not an array (invalidParameter), the openSpaceId has the IM_GROUP form (param.openSpaceIdInvalid), the
 *     robotCode is the app's (robot.not.exist); a group the robot is not in is a failed deliverResult.
 *   PUT /v1.0/card/instances {outTrackId, cardData{cardParamMap}, cardUpdateOptions{updateCardDataByKey}} → {success,
 *     result:true}; an unknown or deleted card → 400 param.cardInstanceNotExist.
 *   POST /v1.0/robot/groupMessages/send {msgKey, msgParam:<JSON string>, openConversationId, robotCode} →
 *     {processQueryKey}; robot not in the group → 400 robot.not.in.group; unknown group → 400 resource.not.found.
 *   POST /v1.0/robot/oToMessages/batchSend {robotCode, userIds[], msgKey, msgParam} → {processQueryKey,
 *     invalidStaffIdList, flowControlledStaffIdList}.
 *   Missing or unknown token → 401 {code:'InvalidAuthentication'}. Errors answer `{code, message, requestid}`.
 * Old API (oapi.dingtalk.com), token in `?access_token=`, HTTP 200 with `{errcode, errmsg, result}`:
 *   POST /topapi/v2/user/get {userid} → result{userid, unionid, name, mobile, email}; unknown → 60121.
 *   POST /topapi/v2/user/getbymobile {mobile} → result{userid}; unknown → 60121.
 *   POST /topapi/user/getbyunionid {unionid} → result{userid, contact_type}; unknown → 60121.
 *   Unknown token → errcode 40014.
 * Sizes (this fake's assumption; DingTalk documents no exact figure): a robot message's `text` / `content` over 5,000
 * characters → 400 invalidParameter.msgParam.length; card data (cardParamMap as JSON) over 20 KB → 400
 * invalidParameter.cardData.length.
 * Throttling, as DingTalk answers it: new API HTTP 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` (per app and
 * API) or `Forbidden.AccessDenied.QpsLimitForApi` (the API's global limit); old API errcode 90018 / 90002. On by
 * `state.limits[api] = {perSecond, burst}` (a token bucket per API), or injected once with `state.fail(api, preset)`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type DingTalkApiName = 'token' | 'card.create' | 'card.update' | 'group.send' | 'oto.send' | 'user.get' | 'user.byMobile' | 'user.byUnionId';

export interface FakeDingTalkUser {
  staffId: string;
  unionId: string;
  name: string;
  mobile?: string;
  email?: string;
}

export interface FakeDingTalkGroup {
  openConversationId: string;
  title: string;
  members: string[];
  robotIn: boolean;
}

export interface FakeDingTalkCard {
  outTrackId: string;
  openConversationId: string;
  templateId: string;
  /** The card's current variables, as DingTalk holds them. */
  params: Record<string, string>;
  atUserIds: Record<string, string>;
  /** Each version the card had (created, then every update), oldest first. */
  versions: Array<Record<string, string>>;
  deleted: boolean;
  createdAt: number;
}

export interface FakeDingTalkGroupMessage {
  openConversationId: string;
  msgKey: string;
  msgParam: Record<string, string>;
  processQueryKey: string;
  at: number;
}

export interface FakeDingTalkDirectMessage {
  staffId: string;
  msgKey: string;
  msgParam: Record<string, string>;
  at: number;
}

export interface FakeDingTalkRequest {
  api: DingTalkApiName | 'unknown';
  method: string;
  path: string;
  body: any;
  status: number;
  /** The error code answered (new API `code`, old API `errcode`), if any. */
  code?: string | number;
  at: number;
}

/** Ready-made failure answers for `fail()`. */
export type DingTalkFailure = 'qpsAppkeyApi' | 'qpsApi' | 'errcode90018' | 'errcode90002' | 'http503' | 'tokenRejected';

export interface FakeDingTalkState {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  templates: Set<string>;
  users: Map<string, FakeDingTalkUser>;
  groups: Map<string, FakeDingTalkGroup>;
  cards: Map<string, FakeDingTalkCard>;
  groupMessages: FakeDingTalkGroupMessage[];
  directMessages: FakeDingTalkDirectMessage[];
  requests: FakeDingTalkRequest[];
  /** Tokens handed out and still taken. */
  tokens: Set<string>;
  /** Token buckets per API: calls beyond them are throttled as DingTalk throttles. */
  limits: Partial<Record<DingTalkApiName, { perSecond: number; burst: number }>>;
  /**
   * Users the robot may not reach (left the organisation's visible range): a 1:1 message to them comes back in
   * `invalidStaffIdList`, and a group card that @mentions them is refused with 403 AccessTokenPermissionDenied.
   */
  refusedStaffIds: Set<string>;
  addUser(user: { name: string; mobile?: string; email?: string }): FakeDingTalkUser;
  addGroup(group: { title: string; members?: string[]; robotIn?: boolean }): FakeDingTalkGroup;
  /** The next `times` calls of `api` get the failure answer instead. */
  fail(api: DingTalkApiName, failure: DingTalkFailure, times?: number): void;
  /** The failure injected for this call of `api`, if any (taken: each injection answers one call). */
  takeFailure(api: DingTalkApiName): DingTalkFailure | undefined;
  /** Every token handed out so far is refused from now on (the secret was reset). */
  revokeTokens(): void;
  requestsTo(api: DingTalkApiName): FakeDingTalkRequest[];
  cardsIn(openConversationId: string): FakeDingTalkCard[];
}

const NEW_API_THROTTLE: Record<'qpsAppkeyApi' | 'qpsApi', string> = {
  qpsAppkeyApi: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
  qpsApi: 'Forbidden.AccessDenied.QpsLimitForApi',
};

const OLD_APIS = new Set<DingTalkApiName>(['user.get', 'user.byMobile', 'user.byUnionId']);

const ROUTES: Record<string, DingTalkApiName> = {
  'POST /v1.0/oauth2/accessToken': 'token',
  'POST /v1.0/card/instances/createAndDeliver': 'card.create',
  'PUT /v1.0/card/instances': 'card.update',
  'POST /v1.0/robot/groupMessages/send': 'group.send',
  'POST /v1.0/robot/oToMessages/batchSend': 'oto.send',
  'POST /topapi/v2/user/get': 'user.get',
  'POST /topapi/v2/user/getbymobile': 'user.byMobile',
  'POST /topapi/user/getbyunionid': 'user.byUnionId',
};

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The sizes this fake refuses beyond (see the header). */
export const FAKE_DINGTALK_SIZES = { messageText: 5000, cardDataBytes: 20 * 1024 } as const;

function checkCardSize(params: Record<string, string>): void {
  if (Buffer.byteLength(JSON.stringify(params)) > FAKE_DINGTALK_SIZES.cardDataBytes) throw new ApiError(400, 'invalidParameter.cardData.length');
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

class OldApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
  }
}

export function createDingTalkOpenApiState(options: { clientId?: string; clientSecret?: string; robotCode?: string; templateId?: string } = {}): FakeDingTalkState {
  const clientId = options.clientId ?? 'dingtestclientid';
  const failures = new Map<DingTalkApiName, Array<DingTalkFailure>>();
  let counter = 0;
  const state: FakeDingTalkState = {
    clientId,
    clientSecret: options.clientSecret ?? 'test-dingtalk-secret',
    robotCode: options.robotCode ?? clientId,
    templates: new Set(options.templateId ? [options.templateId] : ['incident-template.schema']),
    users: new Map(),
    groups: new Map(),
    cards: new Map(),
    groupMessages: [],
    directMessages: [],
    requests: [],
    tokens: new Set(),
    limits: {},
    refusedStaffIds: new Set(),
    addUser({ name, mobile, email }) {
      counter += 1;
      const user = { staffId: `staff${counter}${hex(3)}`, unionId: `union${hex(8)}`, name, mobile, email };
      state.users.set(user.staffId, user);
      return user;
    },
    addGroup({ title, members = [], robotIn = true }) {
      const group = { openConversationId: `cid${hex(10)}==`, title, members, robotIn };
      state.groups.set(group.openConversationId, group);
      return group;
    },
    fail(api, failure, times = 1) {
      const queue = failures.get(api) ?? [];
      for (let i = 0; i < times; i++) queue.push(failure);
      failures.set(api, queue);
    },
    takeFailure: (api) => failures.get(api)?.shift(),
    revokeTokens() {
      state.tokens.clear();
    },
    requestsTo: (api) => state.requests.filter((request) => request.api === api),
    cardsIn: (id) => [...state.cards.values()].filter((card) => card.openConversationId === id && !card.deleted),
  };
  return state;
}

/** A token bucket per API. */
class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  take(key: string, perSecond: number, burst: number): boolean {
    const now = Date.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? JSON.parse(raw) : {};
}

const isStringMap = (value: unknown): value is Record<string, string> =>
  Boolean(value) && typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every((item) => typeof item === 'string');

/** The OpenAPI side of the fake: `handle` answers its paths and returns false for others. */
export class FakeDingTalkOpenApi {
  private readonly buckets = new Buckets();

  constructor(readonly state: FakeDingTalkState) {}

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://fake');
    const api = ROUTES[`${req.method} ${url.pathname}`];
    if (!api) return false;
    void this.answer(api, req, res, url);
    return true;
  }

  private async answer(api: DingTalkApiName, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const entry: FakeDingTalkRequest = { api, method: req.method ?? '', path: url.pathname, body: undefined, status: 200, at: Date.now() };
    this.state.requests.push(entry);
    const old = OLD_APIS.has(api);
    const send = (status: number, body: Record<string, unknown>) => {
      entry.status = status;
      if (typeof body.code === 'string') entry.code = body.code;
      if (typeof body.errcode === 'number' && body.errcode !== 0) entry.code = body.errcode;
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    try {
      try {
        entry.body = await readJson(req);
      } catch {
        throw old ? new OldApiError(40035, '不合法的参数') : new ApiError(400, 'InvalidParameter.JSON');
      }
      if (api !== 'token') this.authorize(old ? url.searchParams.get('access_token') : req.headers['x-acs-dingtalk-access-token'], old);
      this.throttle(api, old);
      const result = this.dispatch(api, entry.body);
      send(200, old ? { errcode: 0, errmsg: 'ok', ...result } : result);
    } catch (error) {
      if (error instanceof ApiError) send(error.status, { code: error.code, message: error.code, requestid: hex(8).toUpperCase() });
      else if (error instanceof OldApiError) send(200, { errcode: error.errcode, errmsg: error.errmsg, request_id: hex(6) });
      else send(500, { code: 'unknownError', message: String(error), requestid: hex(8) });
    }
  }

  private authorize(token: unknown, old: boolean): void {
    if (typeof token === 'string' && this.state.tokens.has(token)) return;
    if (old) throw new OldApiError(40014, '不合法的access_token');
    throw new ApiError(401, 'InvalidAuthentication');
  }

  private throttle(api: DingTalkApiName, old: boolean): void {
    const injected = this.state.takeFailure(api);
    if (injected === 'http503') throw new ApiError(503, 'ServiceUnavailable');
    if (injected === 'tokenRejected') throw old ? new OldApiError(88, 'access_token expired') : new ApiError(401, 'InvalidAuthentication');
    if (injected === 'errcode90018' || injected === 'errcode90002') {
      if (old) throw new OldApiError(injected === 'errcode90018' ? 90018 : 90002, '请求被限流');
      throw new ApiError(403, injected === 'errcode90018' ? NEW_API_THROTTLE.qpsAppkeyApi : NEW_API_THROTTLE.qpsApi);
    }
    if (injected === 'qpsAppkeyApi' || injected === 'qpsApi') {
      if (old) throw new OldApiError(injected === 'qpsAppkeyApi' ? 90018 : 90002, '请求被限流');
      throw new ApiError(403, NEW_API_THROTTLE[injected]);
    }
    const limit = this.state.limits[api];
    if (limit && !this.buckets.take(api, limit.perSecond, limit.burst)) {
      if (old) throw new OldApiError(90018, '请求被限流');
      throw new ApiError(403, NEW_API_THROTTLE.qpsAppkeyApi);
    }
  }

  private dispatch(api: DingTalkApiName, body: any): Record<string, unknown> {
    switch (api) {
      case 'token':
        return this.issueToken(body);
      case 'card.create':
        return this.createCard(body);
      case 'card.update':
        return this.updateCard(body);
      case 'group.send':
        return this.sendGroup(body);
      case 'oto.send':
        return this.sendDirect(body);
      case 'user.get':
        return { result: this.userResult(this.userOr60121(body.userid)) };
      case 'user.byMobile': {
        const user = [...this.state.users.values()].find((candidate) => candidate.mobile && candidate.mobile === body.mobile);
        if (!user) throw new OldApiError(60121, '找不到该用户');
        return { result: { userid: user.staffId } };
      }
      case 'user.byUnionId': {
        const user = [...this.state.users.values()].find((candidate) => candidate.unionId === body.unionid);
        if (!user) throw new OldApiError(60121, '找不到该用户');
        return { result: { userid: user.staffId, contact_type: 0 } };
      }
    }
  }

  private issueToken(body: any): Record<string, unknown> {
    if (body.appKey !== this.state.clientId || body.appSecret !== this.state.clientSecret) throw new ApiError(400, 'invalidClientIdOrSecret');
    const accessToken = hex(16);
    this.state.tokens.add(accessToken);
    return { accessToken, expireIn: 7200 };
  }

  private createCard(body: any): Record<string, unknown> {
    if (typeof body.cardTemplateId !== 'string' || !this.state.templates.has(body.cardTemplateId)) throw new ApiError(400, 'param.templateNotExist');
    if (typeof body.outTrackId !== 'string' || body.outTrackId === '' || body.outTrackId.length > 128) throw new ApiError(400, 'param.outTrackIdInvalid');
    if (!isStringMap(body.cardData?.cardParamMap)) throw new ApiError(400, 'invalidParameter.cardData.cardParamMap');
    checkCardSize(body.cardData.cardParamMap);
    const space = /^dtv1\.card\/\/IM_GROUP\.(.+)$/.exec(String(body.openSpaceId ?? ''));
    if (!space) throw new ApiError(400, 'param.openSpaceIdInvalid');
    const deliver = body.imGroupOpenDeliverModel;
    if (!deliver || deliver.robotCode !== this.state.robotCode) throw new ApiError(400, 'robot.not.exist');
    if (deliver.atUserIds !== undefined && !isStringMap(deliver.atUserIds)) throw new ApiError(400, 'invalidParameter.atUserIds');
    if (Object.keys(deliver.atUserIds ?? {}).some((staffId) => this.state.refusedStaffIds.has(staffId))) throw new ApiError(403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied');
    const group = this.state.groups.get(space[1]);
    const delivered = Boolean(group?.robotIn);
    if (delivered) {
      const params = { ...body.cardData.cardParamMap };
      this.state.cards.set(body.outTrackId, {
        outTrackId: body.outTrackId,
        openConversationId: space[1],
        templateId: body.cardTemplateId,
        params,
        atUserIds: deliver.atUserIds ?? {},
        versions: [{ ...params }],
        deleted: false,
        createdAt: Date.now(),
      });
    }
    return {
      success: true,
      result: {
        outTrackId: body.outTrackId,
        deliverResults: [{ spaceType: 'IM_GROUP', spaceId: space[1], success: delivered, ...(delivered ? { carrierId: hex(8) } : { errorMsg: 'robot not in group' }) }],
      },
    };
  }

  private updateCard(body: any): Record<string, unknown> {
    const card = this.state.cards.get(String(body.outTrackId));
    if (!card || card.deleted) throw new ApiError(400, 'param.cardInstanceNotExist');
    if (!isStringMap(body.cardData?.cardParamMap)) throw new ApiError(400, 'invalidParameter.cardData.cardParamMap');
    checkCardSize(body.cardData.cardParamMap);
    applyCardData(card, body.cardData.cardParamMap, body.cardUpdateOptions?.updateCardDataByKey === true);
    return { success: true, result: true };
  }

  private sendGroup(body: any): Record<string, unknown> {
    const msgParam = this.messageParam(body);
    if (body.robotCode !== this.state.robotCode) throw new ApiError(400, 'robot.not.exist');
    const group = this.state.groups.get(String(body.openConversationId));
    if (!group) throw new ApiError(400, 'resource.not.found');
    if (!group.robotIn) throw new ApiError(400, 'robot.not.in.group');
    const processQueryKey = hex(12);
    this.state.groupMessages.push({ openConversationId: group.openConversationId, msgKey: body.msgKey, msgParam, processQueryKey, at: Date.now() });
    return { processQueryKey };
  }

  private sendDirect(body: any): Record<string, unknown> {
    const msgParam = this.messageParam(body);
    if (body.robotCode !== this.state.robotCode) throw new ApiError(400, 'robot.not.exist');
    if (!Array.isArray(body.userIds) || body.userIds.length === 0 || body.userIds.length > 20) throw new ApiError(400, 'invalidParameter.userIds');
    const invalid = body.userIds.filter((id: unknown) => typeof id !== 'string' || !this.state.users.has(id) || this.state.refusedStaffIds.has(id));
    for (const staffId of body.userIds) {
      if (!invalid.includes(staffId)) this.state.directMessages.push({ staffId, msgKey: body.msgKey, msgParam, at: Date.now() });
    }
    return { processQueryKey: hex(12), invalidStaffIdList: invalid, flowControlledStaffIdList: [] };
  }

  /** msgParam is a JSON string of string values, per msgKey. */
  private messageParam(body: any): Record<string, string> {
    const known: Record<string, string[]> = {
      sampleText: ['content'],
      sampleMarkdown: ['title', 'text'],
      sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
    };
    const required = known[String(body.msgKey)];
    if (!required) throw new ApiError(400, 'invalidParameter.msgKey');
    if (typeof body.msgParam !== 'string') throw new ApiError(400, 'invalidParameter.msgParam');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.msgParam);
    } catch {
      throw new ApiError(400, 'invalidParameter.msgParam');
    }
    if (!isStringMap(parsed) || required.some((key) => !(key in parsed))) throw new ApiError(400, 'invalidParameter.msgParam');
    if ((parsed.text ?? parsed.content ?? '').length > FAKE_DINGTALK_SIZES.messageText) throw new ApiError(400, 'invalidParameter.msgParam.length');
    return parsed;
  }

  private userOr60121(staffId: unknown): FakeDingTalkUser {
    const user = typeof staffId === 'string' ? this.state.users.get(staffId) : undefined;
    if (!user) throw new OldApiError(60121, '找不到该用户');
    return user;
  }

  private userResult(user: FakeDingTalkUser): Record<string, unknown> {
    return { userid: user.staffId, unionid: user.unionId, name: user.name, mobile: user.mobile, email: user.email, active: true };
  }
}

/** A card's variables after an update or a callback answer: merged by key, or replaced. */
export function applyCardData(card: FakeDingTalkCard, params: Record<string, string>, byKey: boolean): void {
  card.params = byKey ? { ...card.params, ...params } : { ...params };
  card.versions.push({ ...card.params });
}
