// OSC 8 hyperlinks come from board output, i.e. from whoever can publish as the board: xterm
// would offer to open them (a confirm() and window.open by default). The REPL's output filter
// already shows OSC 8 escaped; this handler makes a link that slips through anyway inert.
import type { ILinkHandler } from '@xterm/xterm';

export const INERT_LINKS: ILinkHandler = {
  activate: () => {
    // Deliberately nothing: no window, no navigation.
  },
  allowNonHttpProtocols: false,
};
