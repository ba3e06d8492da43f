internal import Foundation
internal import CSystem

/// SHA-256 (FIPS 180-4), written here because the project takes no packages.
///
/// The rounds run on the processor's SHA extensions where it has them (a C function in
/// CSystem's sha256_extensions.h), and in portable Swift everywhere else. The tests check
/// both against the NIST example vectors and each other at every length.
public struct SHA256: Sendable {
    /// How the rounds are computed.
    enum Rounds: Sendable {
        /// Swift, on any processor.
        case portable
        /// The x86 SHA extensions (SHA-NI), four rounds an instruction pair.
        case shaExtensions

        /// What this processor can run.
        static var available: [Rounds] { shaExtensionsPresent ? [.portable, .shaExtensions] : [.portable] }
        /// The fastest this processor can run.
        static let fastest: Rounds = shaExtensionsPresent ? .shaExtensions : .portable
        private static let shaExtensionsPresent = flourish_cpu_has_sha_extensions() != 0
    }

    private let rounds: Rounds
    /// The eight working words, in one fixed-size value so that compressing a block touches no
    /// array (no bounds checks, no uniqueness checks: the rounds run for every 64 bytes hashed).
    private var h0: UInt32 = 0x6a09e667, h1: UInt32 = 0xbb67ae85, h2: UInt32 = 0x3c6ef372, h3: UInt32 = 0xa54ff53a
    private var h4: UInt32 = 0x510e527f, h5: UInt32 = 0x9b05688c, h6: UInt32 = 0x1f83d9ab, h7: UInt32 = 0x5be0cd19
    /// Bytes waiting for a whole 64-byte block.
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// Creates an empty hash.
    public init() { rounds = .fastest }

    /// Creates an empty hash whose rounds run as `rounds` says (the tests compare the two).
    init(rounds: Rounds) { self.rounds = rounds }

    /// Adds bytes to the message.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ update(buffer: UnsafeRawBufferPointer($0)) }) { return done }
        let copy = Array(bytes)
        copy.withUnsafeBytes { update(buffer: $0) }
    }

    private mutating func update(buffer input: UnsafeRawBufferPointer) {
        length &+= UInt64(input.count)
        var offset = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, input.count)
            buffer.append(contentsOf: input[0..<take])
            offset = take
            if buffer.count == 64 {
                let block = buffer
                block.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        let whole = (input.count - offset) / 64
        if whole > 0 {
            compress(input.baseAddress! + offset, blocks: whole)
            offset += whole * 64
        }
        if offset < input.count { buffer.append(contentsOf: input[offset...]) }
    }

    /// Adds a string's UTF-8 bytes to the message.
    public mutating func update(_ text: String) { update(text.utf8) }

    /// Finishes the hash and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        let waiting = buffer
        return waiting.withUnsafeBytes { finish(tail: $0, totalLength: length) }
    }

    /// The digest of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        hash(bytes, rounds: .fastest)
    }

    /// The digest of `bytes`, its rounds run as `rounds` says.
    static func hash<Bytes: Sequence>(_ bytes: Bytes, rounds: Rounds) -> [UInt8] where Bytes.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ oneShot(UnsafeRawBufferPointer($0), rounds: rounds) }) { return digest }
        var h = SHA256(rounds: rounds)
        h.update(bytes)
        return h.finalize()
    }

    /// The digest of bytes held in one piece: whole blocks straight from the input, then the
    /// rest padded on the stack (no buffer: it runs twice an event).
    private static func oneShot(_ input: UnsafeRawBufferPointer, rounds: Rounds) -> [UInt8] {
        var h = SHA256(rounds: rounds)
        let whole = input.count / 64
        if whole > 0, let base = input.baseAddress { h.compress(base, blocks: whole) }
        return h.finish(tail: UnsafeRawBufferPointer(rebasing: input[(whole * 64)...]), totalLength: UInt64(input.count))
    }

    /// Pads the last bytes of the message (fewer than 64) with the 0x80 marker, zeros and the
    /// message's length in bits (FIPS 180-4 §5.1.1), on the stack, compresses the one or two
    /// blocks that makes, and returns the digest.
    private mutating func finish(tail: UnsafeRawBufferPointer, totalLength: UInt64) -> [UInt8] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { padded -> [UInt8] in
            padded.initialize(repeating: 0)
            for i in 0..<tail.count { padded[i] = tail[i] }
            padded[tail.count] = 0x80
            let blocks = tail.count + 9 <= 64 ? 1 : 2
            let bitLength = totalLength &* 8
            for i in 0..<8 { padded[blocks * 64 - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i))) }
            compress(UnsafeRawPointer(padded.baseAddress!), blocks: blocks)
            return digestBytes()
        }
    }

    /// The eight words, big-endian: the digest.
    private func digestBytes() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            for (n, word) in [h0, h1, h2, h3, h4, h5, h6, h7].enumerated() {
                out[n * 4] = UInt8(word >> 24); out[n * 4 + 1] = UInt8(truncatingIfNeeded: word >> 16)
                out[n * 4 + 2] = UInt8(truncatingIfNeeded: word >> 8); out[n * 4 + 3] = UInt8(truncatingIfNeeded: word)
            }
            count = 32
        }
    }

    /// The lower-case hex digest of a string's UTF-8 bytes.
    public static func hex(_ text: String) -> String { hash(text.utf8).hexString }

    /// One round (FIPS 180-4 §6.2.2 step 3): `d` and `h` are the two words it changes.
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ (e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)) &+ ((e & f) ^ (~e & g)) &+ kw
        let t2 = (a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)) &+ ((a & b) ^ (a & c) ^ (b & c))
        d = d &+ t1
        h = t1 &+ t2
    }

    /// Compresses `blocks` consecutive 64-byte blocks (FIPS 180-4 §6.2.2).
    private mutating func compress(_ data: UnsafeRawPointer, blocks: Int) {
        guard rounds == .portable else {
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 8) { state in
                state[0] = h0; state[1] = h1; state[2] = h2; state[3] = h3; state[4] = h4; state[5] = h5; state[6] = h6; state[7] = h7
                SHA256.k.withUnsafeBufferPointer { k in
                    flourish_sha256_compress_with_extensions(state.baseAddress!, data.assumingMemoryBound(to: UInt8.self), blocks, k.baseAddress!)
                }
                h0 = state[0]; h1 = state[1]; h2 = state[2]; h3 = state[3]; h4 = state[4]; h5 = state[5]; h6 = state[6]; h7 = state[7]
            }
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            SHA256.k.withUnsafeBufferPointer { kBuffer in
                let w = schedule.baseAddress!, k = kBuffer.baseAddress!
                for n in 0..<blocks {
                    let block = data + n * 64
                    for i in 0..<16 { w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
                    for i in 16..<64 {
                        let s0 = w[i - 15].rotatedRight(7) ^ w[i - 15].rotatedRight(18) ^ (w[i - 15] >> 3)
                        let s1 = w[i - 2].rotatedRight(17) ^ w[i - 2].rotatedRight(19) ^ (w[i - 2] >> 10)
                        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    // Eight rounds a turn with the working words' roles rotated in the
                    // arguments, rather than moving all eight words every round.
                    var i = 0
                    while i < 64 {
                        SHA256.round(a, b, c, &d, e, f, g, &h, k[i] &+ w[i])
                        SHA256.round(h, a, b, &c, d, e, f, &g, k[i + 1] &+ w[i + 1])
                        SHA256.round(g, h, a, &b, c, d, e, &f, k[i + 2] &+ w[i + 2])
                        SHA256.round(f, g, h, &a, b, c, d, &e, k[i + 3] &+ w[i + 3])
                        SHA256.round(e, f, g, &h, a, b, c, &d, k[i + 4] &+ w[i + 4])
                        SHA256.round(d, e, f, &g, h, a, b, &c, k[i + 5] &+ w[i + 5])
                        SHA256.round(c, d, e, &f, g, h, a, &b, k[i + 6] &+ w[i + 6])
                        SHA256.round(b, c, d, &e, f, g, h, &a, k[i + 7] &+ w[i + 7])
                        i += 8
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
            }
        }
    }
}

extension UInt32 {
    /// Masking shifts: each compiles to a single rotate, where Swift's checked `>>`/`<<` would
    /// test the shift amount every time.
    @inline(__always) fileprivate func rotatedRight(_ n: UInt32) -> UInt32 { (self &>> n) | (self &<< (32 &- n)) }
}

extension Sequence where Element == UInt8 {
    /// The bytes as lower-case hexadecimal.
    public var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        let bytes = Array(self)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = digits.utf8Start[Int(b >> 4)]
                out[2 * i + 1] = digits.utf8Start[Int(b & 0x0f)]
            }
            return bytes.count * 2
        }
    }
}

/// HMAC-SHA-256 (RFC 2104), checked against RFC 4231's test vectors.
public enum HMACSHA256 {
    public static func authenticationCode<K: Collection, M: Sequence>(key: K, message: M) -> [UInt8] where K.Element == UInt8, M.Element == UInt8 {
        var block = key.count > 64 ? SHA256.hash(key) : Array(key)
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = SHA256.hash(block.map { $0 ^ 0x36 } + Array(message))
        return SHA256.hash(block.map { $0 ^ 0x5c } + inner)
    }
}
