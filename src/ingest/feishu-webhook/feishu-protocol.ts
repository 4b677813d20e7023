/** Feishu custom-bot answers: HTTP 200 (500 only when we failed to store), failure is a non-zero code in the body. */
export interface FeishuAnswer {
  code: number;
  msg: string;
  data: Record<string, unknown>;
  StatusCode?: number;
  StatusMessage?: string;
}

export const FEISHU_MAX_BODY_BYTES = 20 * 1024;
/** Real cards nest a dozen levels; anything deeper is refused before a recursive walk can overflow the stack. */
export const FEISHU_MAX_JSON_DEPTH = 64;
export const FEISHU_SIGN_WINDOW_SECONDS = 3600;
export const FEISHU_DEFAULT_TITLE = 'Feishu Alert';

export const FEISHU_CODES = {
  badRequest: 9499,
  tokenInvalid: 19001,
  /** Also what Feishu answers a body without msg_type: see FEISHU_MSG_TYPE_NEEDED. */
  msgTypeInvalid: 19002,
  signMismatch: 19021,
  keywordsNotFound: 19024,
  /** Ours, with HTTP 500: Feishu documents no code for its own failures. */
  internal: -1,
} as const;

/** Feishu's answer text when msg_type is missing or empty, word for word. */
export const FEISHU_MSG_TYPE_NEEDED = 'params error, msg_type need';

export function tooDeep(): FeishuRejection {
  return new FeishuRejection(FEISHU_CODES.badRequest, `Bad Request: JSON nested deeper than ${FEISHU_MAX_JSON_DEPTH} levels`);
}

export function feishuSuccess(): FeishuAnswer {
  return { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' };
}

export function feishuFailure(code: number, msg: string): FeishuAnswer {
  return { code, msg, data: {} };
}

export class FeishuRejection extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  toAnswer(): FeishuAnswer {
    return feishuFailure(this.code, this.message);
  }
}
