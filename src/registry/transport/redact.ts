// Keeps secrets out of messages: query strings of registry URLs can carry signed
// state or cloud-storage signatures, and userinfo can carry passwords.

export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return '<unparseable url>';
  }
  parsed.username = '';
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (key !== 'digest' && key !== 'n' && key !== 'last' && key !== 'mount' && key !== 'from') {
      parsed.searchParams.set(key, 'REDACTED');
    }
  }
  return parsed.toString();
}
