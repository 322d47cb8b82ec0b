declare namespace App {
  interface Locals {
    /**
     * Set only when the server renders a prospect page's template (server-entry.ts, docs/adr/0006):
     * the room with every per-link field replaced by a mark. No request can set it.
     */
    templateRoom?: import('./server/rooms/prospect-room').ProspectRoom;
  }
}
