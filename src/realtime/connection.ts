import { LOBBY, tokenRoom, userRoom, type AppServer, type AppSocket } from './events.js'

export interface RealtimeOptions {
  log: { info: (obj: object, msg: string) => void }
}

/** What happens to an authenticated socket: its rooms, then its events. */
export function handleConnections (io: AppServer, _options: RealtimeOptions): void {
  io.on('connection', (socket: AppSocket) => {
    const { user } = socket.data
    // user:<id> for notifications, token:<jti> so logout can find every socket of a token.
    socket.join([userRoom(user.id), tokenRoom(user.tokenId), LOBBY])
  })
}
