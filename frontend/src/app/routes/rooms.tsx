import { searchRooms } from '@/features/rooms/api/rooms';
import { RoomBrowser } from '@/features/rooms/components/room-browser';
import type { ApiClient } from '@/lib/api';
import type { ChatState } from '@/lib/chat-store';

import type { ChatController } from '../chat-controller';

interface RoomsRouteProps {
  api: ApiClient;
  controller: ChatController;
  state: ChatState;
  onShowChat: () => void;
}

/** The room browser (`#/rooms`): a room joined or created there opens in the chat. */
export function RoomsRoute({ api, controller, state, onShowChat }: RoomsRouteProps) {
  const joined = new Set(state.conversations.filter((c) => c.kind === 'room').map((c) => c.name));
  return (
    <RoomBrowser
      search={(q, cursor) => searchRooms(api, q, cursor)}
      joined={joined}
      onOpen={(room) => {
        controller.openRoom(room);
        onShowChat();
      }}
      onCreate={async (room) => {
        await controller.createRoom(room);
        onShowChat();
      }}
    />
  );
}
