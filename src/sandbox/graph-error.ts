/** A refusal as the Graph API words it: HTTP status, Meta's numeric code and its texts. */
export interface GraphError {
  httpStatus: number;
  /** Meta's `error.code`: 100 invalid parameter, 190 bad token, 131008 missing, 131009 invalid value, ... */
  code: number;
  subcode?: number;
  message: string;
  /** `error.error_data.details`: what exactly is wrong. */
  details?: string;
  type?: 'OAuthException' | 'GraphMethodException';
}

let traceSequence = 0;

/** The JSON body Meta answers a refused call with (`{ error: { message, type, code, error_data, fbtrace_id } }`). */
export function graphErrorBody(error: GraphError): { error: Record<string, unknown> } {
  return {
    error: {
      message: error.message,
      type: error.type ?? 'OAuthException',
      code: error.code,
      ...(error.subcode !== undefined ? { error_subcode: error.subcode } : {}),
      ...(error.details !== undefined ? { error_data: { messaging_product: 'whatsapp', details: error.details } } : {}),
      fbtrace_id: `SANDBOX${(++traceSequence).toString(36).toUpperCase().padStart(6, '0')}`,
    },
  };
}

/** `(#100) Invalid parameter`, with what is wrong in `details`. */
export function invalidParameter(details: string): GraphError {
  return { httpStatus: 400, code: 100, message: '(#100) Invalid parameter', details };
}

/** `(#131008) Required parameter is missing`. */
export function missingParameter(name: string): GraphError {
  return { httpStatus: 400, code: 131008, message: '(#131008) Required parameter is missing', details: `Parameter '${name}' is required.` };
}

/** `(#131009) Parameter value is not valid`. */
export function invalidValue(details: string): GraphError {
  return { httpStatus: 400, code: 131009, message: '(#131009) Parameter value is not valid', details };
}
