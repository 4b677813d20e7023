/**
 * The fake DingTalk OpenAPI answers in DingTalk's own shapes: the new API's HTTP status + `{code, message, requestid}`,
 * the old API's HTTP 200 + `{errcode, errmsg}`, the throttling answers, and the body checks of card calls — spoken to
 * with plain HTTP, as any client would.
 */
import { FakeDingTalk } from '../fakes/dingtalk.js';

describe('fake DingTalk OpenAPI', () => {
  let fake: FakeDingTalk;
  let token: string;

  const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${fake.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const withToken = (method: string, path: string, body: unknown) => call(method, path, body, { 'x-acs-dingtalk-access-token': token });
  const old = (path: string, body: unknown, accessToken = token) => call('POST', `${path}?access_token=${accessToken}`, body);
  const cardBody = (overrides: Record<string, unknown> = {}) => ({
    cardTemplateId: 'tpl.schema',
    outTrackId: `t-${Math.random().toString(36).slice(2)}`,
    callbackType: 'STREAM',
    cardData: { cardParamMap: { title: 'x' } },
    openSpaceId: `dtv1.card//IM_GROUP.${group}`,
    imGroupOpenDeliverModel: { robotCode: fake.state.robotCode },
    ...overrides,
  });
  let group: string;

  beforeAll(async () => {
    fake = await FakeDingTalk.start({ templateId: 'tpl.schema' });
    group = fake.state.addGroup({ title: 'ops' }).openConversationId;
    const answer = await call('POST', '/v1.0/oauth2/accessToken', { appKey: fake.state.clientId, appSecret: fake.state.clientSecret });
    expect(answer).toEqual({ status: 200, body: { accessToken: expect.any(String), expireIn: 7200 } });
    token = answer.body.accessToken;
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('refuses wrong credentials, and calls without or with an unknown token, in each API’s shape', async () => {
    expect(await call('POST', '/v1.0/oauth2/accessToken', { appKey: fake.state.clientId, appSecret: 'nope' })).toMatchObject({ status: 400, body: { code: 'invalidClientIdOrSecret' } });
    expect(await call('PUT', '/v1.0/card/instances', {})).toMatchObject({ status: 401, body: { code: 'InvalidAuthentication', requestid: expect.any(String) } });
    expect(await old('/topapi/v2/user/get', { userid: 'x' }, 'bogus')).toMatchObject({ status: 200, body: { errcode: 40014 } });
  });

  it('card createAndDeliver checks the template, string-only variables, the space id form and atUserIds as a map', async () => {
    expect((await withToken('POST', '/v1.0/card/instances/createAndDeliver', cardBody())).body).toMatchObject({ success: true, result: { deliverResults: [{ spaceType: 'IM_GROUP', spaceId: group, success: true }] } });
    expect((await withToken('POST', '/v1.0/card/instances/createAndDeliver', cardBody({ cardTemplateId: 'other' }))).body.code).toBe('param.templateNotExist');
    expect((await withToken('POST', '/v1.0/card/instances/createAndDeliver', cardBody({ cardData: { cardParamMap: { count: 3 } } }))).body.code).toBe('invalidParameter.cardData.cardParamMap');
    expect((await withToken('POST', '/v1.0/card/instances/createAndDeliver', cardBody({ openSpaceId: group }))).body.code).toBe('param.openSpaceIdInvalid');
    const arrayMentions = cardBody({ imGroupOpenDeliverModel: { robotCode: fake.state.robotCode, atUserIds: ['staff1'] } });
    expect((await withToken('POST', '/v1.0/card/instances/createAndDeliver', arrayMentions)).body.code).toBe('invalidParameter.atUserIds');
    const outside = fake.state.addGroup({ title: 'no robot', robotIn: false }).openConversationId;
    const refused = await withToken('POST', '/v1.0/card/instances/createAndDeliver', cardBody({ openSpaceId: `dtv1.card//IM_GROUP.${outside}` }));
    expect(refused.body.result.deliverResults).toEqual([expect.objectContaining({ success: false, errorMsg: 'robot not in group' })]);
  });

  it('card update merges by key, and answers param.cardInstanceNotExist for an unknown card', async () => {
    const body = cardBody({ cardData: { cardParamMap: { a: '1', b: '2' } } });
    await withToken('POST', '/v1.0/card/instances/createAndDeliver', body);
    expect(await withToken('PUT', '/v1.0/card/instances', { outTrackId: body.outTrackId, cardData: { cardParamMap: { b: '3' } }, cardUpdateOptions: { updateCardDataByKey: true } })).toEqual({
      status: 200,
      body: { success: true, result: true },
    });
    expect(fake.state.cards.get(body.outTrackId as string)!.params).toEqual({ a: '1', b: '3' });
    expect(await withToken('PUT', '/v1.0/card/instances', { outTrackId: 'nope', cardData: { cardParamMap: {} } })).toMatchObject({ status: 400, body: { code: 'param.cardInstanceNotExist' } });
  });

  it('robot messages take msgParam as a JSON string of the msgKey’s fields', async () => {
    const ok = await withToken('POST', '/v1.0/robot/groupMessages/send', { msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'hi' }), openConversationId: group, robotCode: fake.state.robotCode });
    expect(ok).toEqual({ status: 200, body: { processQueryKey: expect.any(String) } });
    const asObject = await withToken('POST', '/v1.0/robot/groupMessages/send', { msgKey: 'sampleText', msgParam: { content: 'hi' }, openConversationId: group, robotCode: fake.state.robotCode });
    expect(asObject.body.code).toBe('invalidParameter.msgParam');
    const user = fake.state.addUser({ name: 'Ann', mobile: '13800000001' });
    const oto = await withToken('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: fake.state.robotCode, userIds: [user.staffId, 'ghost'], msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'hi' }) });
    expect(oto.body).toMatchObject({ invalidStaffIdList: ['ghost'], flowControlledStaffIdList: [] });
    expect(fake.state.directMessages.filter((message) => message.staffId === user.staffId)).toHaveLength(1);
  });

  it('old-API user lookups answer errcode 0 with result, or 60121 for nobody', async () => {
    const user = fake.state.addUser({ name: 'Bo', mobile: '13800000002', email: 'bo@example.com' });
    expect((await old('/topapi/v2/user/get', { userid: user.staffId })).body).toMatchObject({ errcode: 0, result: { userid: user.staffId, unionid: user.unionId, mobile: '13800000002', email: 'bo@example.com' } });
    expect((await old('/topapi/v2/user/getbymobile', { mobile: '13800000002' })).body).toMatchObject({ errcode: 0, result: { userid: user.staffId } });
    expect((await old('/topapi/user/getbyunionid', { unionid: user.unionId })).body).toMatchObject({ errcode: 0, result: { userid: user.staffId } });
    expect((await old('/topapi/v2/user/get', { userid: 'nobody' })).body).toMatchObject({ errcode: 60121 });
  });

  it('throttles as DingTalk does: 403 QpsLimit… on the new API, errcode 90018 / 90002 on the old one', async () => {
    fake.state.fail('card.update', 'qpsAppkeyApi');
    expect(await withToken('PUT', '/v1.0/card/instances', {})).toMatchObject({ status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' } });
    fake.state.fail('group.send', 'qpsApi');
    expect(await withToken('POST', '/v1.0/robot/groupMessages/send', {})).toMatchObject({ status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForApi' } });
    fake.state.fail('user.get', 'errcode90018');
    expect((await old('/topapi/v2/user/get', { userid: 'x' })).body).toMatchObject({ errcode: 90018 });
    fake.state.fail('user.byMobile', 'errcode90002');
    expect((await old('/topapi/v2/user/getbymobile', { mobile: '1' })).body).toMatchObject({ errcode: 90002 });

    fake.state.limits['group.send'] = { perSecond: 1, burst: 2 };
    const send = () => withToken('POST', '/v1.0/robot/groupMessages/send', { msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'x' }), openConversationId: group, robotCode: fake.state.robotCode });
    const statuses = [(await send()).status, (await send()).status, (await send()).status];
    delete fake.state.limits['group.send'];
    expect(statuses).toEqual([200, 200, 403]);
  });
});
