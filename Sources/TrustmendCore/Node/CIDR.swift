/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
struct CIDR {
    let network: IPAddress
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let ip = IPAddress(String(parts[0])), let bits = Int(parts[1]) else { return nil }
        let maximum = ip.isV4 ? 32 : 128
        guard (0...maximum).contains(bits) else { return nil }
        network = ip
        prefix = ip.isV4 ? bits + 96 : bits
    }

    func contains(_ ip: IPAddress) -> Bool {
        guard ip.isV4 == network.isV4 else { return false }
        for bit in 0..<prefix {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if ip.bytes[bit / 8] & mask != network.bytes[bit / 8] & mask { return false }
        }
        return true
    }
}
