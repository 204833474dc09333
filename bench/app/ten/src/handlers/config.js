export const configHandler = (settings) => (req) => {
  let patch;
  try {
    patch = JSON.parse(req.body || '{}');
  } catch (e) {
    return { status: 400, body: { error: 'invalid JSON' } };
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in settings)) return { status: 400, body: { error: 'unknown key ' + k } };
    if (typeof v !== typeof settings[k]) return { status: 400, body: { error: 'wrong type for ' + k } };
    settings[k] = v;
  }
  return { status: 201, body: settings };
};
