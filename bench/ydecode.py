"""Which characters an update carries: the end clock of each client's structs in a Yjs v1 update.

A benchmark client identifies a keystroke by (its document's client id, clock): typing one
character at the end of a Text adds one struct of length 1 at the next clock. A server may relay
the update as it came (the bare relay), re-encode it (Hocuspocus relays the update of its own
transaction) or merge several (a batch), so the bytes cannot identify a keystroke, but the structs
can: an update whose structs for client c end at clock n delivers c's keystrokes below n.

Only the contents that typing in a Text produces are decoded (GC, Skip, Deleted, String, and the
one-off contents of a type's creation); anything else raises ValueError.
"""

BIT6, BIT7, BIT8 = 0x20, 0x40, 0x80


class Reader:
    """lib0 decoding: bytes, variable-length unsigned integers, length-prefixed strings and bytes."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uint(self) -> int:
        result, shift = 0, 0
        while True:
            value = self.data[self.pos]
            self.pos += 1
            result |= (value & 0x7F) << shift
            if value < 0x80:
                return result
            shift += 7

    def bytes(self) -> bytes:
        length = self.uint()
        start, self.pos = self.pos, self.pos + length
        return self.data[start : self.pos]

    def string(self) -> str:
        length = self.uint()
        start, self.pos = self.pos, self.pos + length
        return self.data[start : self.pos].decode()


def _utf16_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _content_length(reader: Reader, ref: int) -> int:
    if ref == 1:  # Deleted
        return reader.uint()
    if ref == 4:  # String
        return _utf16_length(reader.string())
    if ref == 3:  # Binary
        reader.pos += reader.uint()
        return 1
    if ref == 5:  # Embed (JSON string)
        reader.string()
        return 1
    if ref == 6:  # Format: key and JSON value
        reader.string()
        reader.string()
        return 1
    if ref == 7:  # Type: type ref, and a name for XmlElement (3) and XmlHook (5)
        type_ref = reader.uint()
        if type_ref in (3, 5):
            reader.string()
        return 1
    if ref == 2:  # JSON: count, then strings
        count = reader.uint()
        for _ in range(count):
            reader.string()
        return count
    raise ValueError(f"content type {ref} not decoded")


def end_clocks(update: bytes) -> dict[int, int]:
    """{client id: the clock after its last struct in the update} for a Yjs v1 update."""
    reader = Reader(update)
    ends: dict[int, int] = {}
    for _ in range(reader.uint()):
        structs = reader.uint()
        client = reader.uint()
        clock = reader.uint()
        for _ in range(structs):
            info = reader.byte()
            ref = info & 0x1F
            if ref in (0, 10):  # GC, Skip
                length = reader.uint()
                if ref == 10:
                    clock += length
                    continue
            else:
                if info & BIT8:  # origin
                    reader.uint(), reader.uint()
                if info & BIT7:  # right origin
                    reader.uint(), reader.uint()
                if not info & (BIT7 | BIT8):  # parent: a root type's name or an item's id
                    if reader.uint() == 1:
                        reader.string()
                    else:
                        reader.uint(), reader.uint()
                    if info & BIT6:
                        reader.string()
                length = _content_length(reader, ref)
            clock += length
            ends[client] = clock
    return ends
