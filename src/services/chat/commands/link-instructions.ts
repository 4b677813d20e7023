export function linkInstructions(code: string, after: string): string {
  return [
    `Your link code is ${code} (valid for 30 minutes).`,
    'Give it to your on-call admin, who links it to your member profile (admin API: POST /api/v1/link-codes/' + code + '/redeem).',
    after,
  ]
    .filter(Boolean)
    .join('\n');
}
