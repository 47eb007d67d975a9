"""The live forum rooms, apart from Socket.IO (forum/realtime is the transport that drives them).

- room.py: one forum's room (document, people, catch-up, reload, its part of each batch)
- rooms.py: a process's rooms and sockets
- store.py: where a room's document is kept (never commits)
- group_commit.py: one transaction for every update that arrives while the last one is written
- updates.py: what a CRDT update does (roots, integration, whose clocks it moves)
- connections.py, presence.py: the sockets of a process; presence shared by several processes
"""
