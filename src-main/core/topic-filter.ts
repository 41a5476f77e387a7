// MQTT topic filter matching (MQTT 3.1.1 §4.7): `+` matches one level, a trailing `#` matches
// the parent level and everything below it. Used to route messages of one mqtt.js client to
// the handlers of the filters they subscribed.

export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  // Topics starting with `$` are not matched by filters starting with a wildcard (§4.7.2).
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}
