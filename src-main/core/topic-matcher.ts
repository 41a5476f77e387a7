// Topic filters compiled once for the session's message routing (same rules as topicMatches in
// topic-filter.ts, MQTT 3.1.1 §4.7): every filter of a session is run against every message it
// receives, so a match allocates nothing.

/** The matcher of one topic filter, its levels split once. */
export function compileFilter(filter: string): (topic: string) => boolean {
  if (!filter.includes('+') && !filter.includes('#')) return (topic) => topic === filter;
  const levels = filter.split('/');
  // Topics starting with `$` are not matched by filters starting with a wildcard (MQTT §4.7.2).
  const wildFirst = filter.startsWith('+') || filter.startsWith('#');
  return (topic) => {
    if (wildFirst && topic.startsWith('$')) return false;
    let at = 0; // start of the topic level being compared; topic.length + 1 once all are used
    for (let i = 0; i < levels.length; i++) {
      const part = levels[i]!;
      if (part === '#') return i === levels.length - 1; // also matches the parent level
      if (at > topic.length) return false;
      let end = topic.indexOf('/', at);
      if (end < 0) end = topic.length;
      if (part !== '+' && (end - at !== part.length || !topic.startsWith(part, at))) return false;
      at = end + 1;
    }
    return at === topic.length + 1;
  };
}
