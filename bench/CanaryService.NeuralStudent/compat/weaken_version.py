# Marks one version requirement of an ELF shared library weak (VER_FLG_WEAK), so that the loader goes on when
# the named library lacks that version; the symbols of that version must then come from elsewhere (LD_PRELOAD).
# Usage: python3 weaken_version.py LIBRARY VERSION
import struct, sys
path, want = sys.argv[1], sys.argv[2].encode()
data = bytearray(open(path, 'rb').read())
assert data[:4] == b'\x7fELF' and data[4] == 2
shoff, = struct.unpack_from('<Q', data, 0x28)
shentsize, shnum = struct.unpack_from('<HH', data, 0x3A)
sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
done = 0
for name, typ, flags, addr, off, size, link, info, align, entsize in sections:
    if typ != 0x6ffffffe:  # SHT_GNU_verneed
        continue
    stroff = sections[link][4]
    pos = off
    for _ in range(info):
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from('<HHIII', data, pos)
        apos = pos + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from('<IHHII', data, apos)
            s = data[stroff + vna_name: data.index(b'\0', stroff + vna_name)]
            if s == want:
                struct.pack_into('<H', data, apos + 4, vna_flags | 2)  # VER_FLG_WEAK
                done += 1
            apos += vna_next
        if vn_next == 0:
            break
        pos += vn_next
open(path, 'wb').write(data)
print('weakened', done)
