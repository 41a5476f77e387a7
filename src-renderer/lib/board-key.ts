// Boards of several brokers are shown together, so a board is identified by its profile and its
// prefix. Profile ids never contain "/" (contract: letters, digits, ".", "-", "_"), so the first
// "/" of a key always separates the two, whatever the prefix contains.

export type BoardKey = string;

export const boardKey = (profileId: string, prefix: string): BoardKey => `${profileId}/${prefix}`;

export function splitBoardKey(key: BoardKey): { profileId: string; prefix: string } {
  const i = key.indexOf('/');
  return i < 0 ? { profileId: key, prefix: '' } : { profileId: key.slice(0, i), prefix: key.slice(i + 1) };
}
