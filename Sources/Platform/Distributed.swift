import CMPI
import Foundation

/// The processes of one job started by an MPI launcher (`mpirun -np N polyglot train …`), through Open MPI
/// (`CMPI`, loaded only then). Without a launcher, or with one rank, it is one process: rank 0 of 1, and every
/// collective below returns at once without touching its arguments' values, so a single process computes as
/// if this type did not exist.
///
/// Every rank calls the collectives in the same order (they are blocking and matched by order). A failure
/// inside MPI ends every rank (MPI's default error handler); a Polyglot error on one rank goes through
/// `fail(_:)`, which names the rank and ends the whole job, so no rank waits forever for one that stopped.
public enum Distributed {
    /// This process's rank and the job's size.
    nonisolated(unsafe) public private(set) static var rank = 0
    nonisolated(unsafe) public private(set) static var size = 1
    /// Open MPI's version line (empty in a single process).
    nonisolated(unsafe) public private(set) static var library = ""

    public static var isActive: Bool { size > 1 }
    public static var isRoot: Bool { rank == 0 }

    public struct Failure: PolyglotError {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The rank count a launcher announced (0: none started this process).
    public static var launchedSize: Int { Int(pg_mpi_launched_size()) }

    /// Joins the job when a launcher started this process with more than one rank (opens libmpi and
    /// initializes MPI); otherwise does nothing. Called once, at the start of the command.
    public static func start() throws {
        guard launchedSize > 1, size == 1 else { return }
        var r: Int32 = 0, n: Int32 = 1
        let status = pg_mpi_start(&r, &n)
        guard status == 0 else {
            let reason = String(cString: pg_mpi_error())
            throw Failure(description: reason.isEmpty ? "MPI could not start (error \(status))" : reason)
        }
        rank = Int(r); size = Int(n)
        library = String(cString: pg_mpi_library_version())
    }

    /// Ends MPI on every rank (after the command's last collective).
    public static func finish() {
        guard isActive else { return }
        _ = pg_mpi_finish()
    }

    /// Prints `message` as this rank's error (`error: rank r of N: …`) and ends every rank of the job with
    /// exit status 1. In a single process: `error: …` and exit 1.
    public static func fail(_ message: String, status: Int32 = 1) -> Never {
        let prefix = isActive ? "error: rank \(rank) of \(size): " : "error: "
        StandardStreams.error.record(prefix + message + "\n")
        if isActive { pg_mpi_abort(status) }
        exit(status)
    }

    /// A buffer's first element (every buffer passed here is non-empty; an empty one is refused, not unwrapped).
    static func address<T>(of b: UnsafeMutableBufferPointer<T>) throws -> UnsafeMutablePointer<T> {
        guard let p = b.baseAddress else { throw Failure(description: "MPI: an empty buffer where one with values was expected") }
        return p
    }
    static func address<T>(of b: UnsafeBufferPointer<T>) throws -> UnsafePointer<T> {
        guard let p = b.baseAddress else { throw Failure(description: "MPI: an empty buffer where one with values was expected") }
        return p
    }
    static func address(of b: UnsafeMutableRawBufferPointer) throws -> UnsafeMutableRawPointer {
        guard let p = b.baseAddress else { throw Failure(description: "MPI: an empty buffer where one with values was expected") }
        return p
    }

    static func check(_ status: Int32, _ what: String) throws {
        guard status == 0 else { throw Failure(description: "MPI \(what) failed (error \(status))") }
    }

    // MARK: - Collectives

    /// Sums `values` over every rank, in place (the same result on every rank).
    public static func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        guard isActive, let base = values.baseAddress, values.count > 0 else { return }
        try check(pg_mpi_sum_floats(base, Int64(values.count)), "sum")
    }

    public static func sum(_ values: inout [Double]) throws {
        guard isActive, !values.isEmpty else { return }
        try values.withUnsafeMutableBufferPointer { try check(pg_mpi_sum_doubles(try address(of: $0), Int64($0.count)), "sum") }
    }

    public static func sum(_ value: Double) throws -> Double {
        var v = [value]
        try sum(&v)
        return v[0]
    }

    public static func sum(_ value: Int) throws -> Int {
        guard isActive else { return value }
        // Integers below 2^53 are exact in a double sum.
        return Int(try sum(Double(value)))
    }

    /// The bitwise or of `words` over every rank, in place.
    public static func union(_ words: UnsafeMutableBufferPointer<Int64>) throws {
        guard isActive, let base = words.baseAddress, words.count > 0 else { return }
        try check(pg_mpi_or_int64(base, Int64(words.count)), "bitwise or")
    }

    /// The minimum and maximum of `values` over every rank, element by element.
    public static func range(_ values: [Int64]) throws -> (min: [Int64], max: [Int64]) {
        guard isActive, !values.isEmpty else { return (values, values) }
        var lo = values, hi = values
        try lo.withUnsafeMutableBufferPointer { try check(pg_mpi_min_int64(try address(of: $0), Int64($0.count)), "minimum") }
        try hi.withUnsafeMutableBufferPointer { try check(pg_mpi_max_int64(try address(of: $0), Int64($0.count)), "maximum") }
        return (lo, hi)
    }

    /// Whether every rank passed the same `digest` (e.g. a SHA-256 of its weights).
    public static func agree(_ digest: [UInt8]) throws -> Bool {
        guard isActive else { return true }
        var words: [Int64] = []
        var i = 0
        while i < digest.count {
            var w: UInt64 = 0
            for b in digest[i..<min(i + 8, digest.count)] { w = w << 8 | UInt64(b) }
            words.append(Int64(bitPattern: w))
            i += 8
        }
        let r = try range(words)
        return r.min == r.max
    }

    /// Rank `root`'s bytes on every rank: other ranks' `data` is replaced.
    public static func broadcast(_ data: inout Data, root: Int = 0) throws {
        guard isActive else { return }
        var count = [Int64(rank == root ? data.count : 0)]
        try count.withUnsafeMutableBytes { try check(pg_mpi_broadcast(try address(of: $0), 8, Int32(root)), "broadcast") }
        if rank != root { data = Data(count: Int(count[0])) }
        guard count[0] > 0 else { return }
        try data.withUnsafeMutableBytes { try check(pg_mpi_broadcast(try address(of: $0), count[0], Int32(root)), "broadcast") }
    }

    /// Rank `root`'s floats on every rank, in place (every rank passes a buffer of the same size).
    public static func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int = 0) throws {
        guard isActive, let base = values.baseAddress, values.count > 0 else { return }
        try check(pg_mpi_broadcast(base, Int64(values.count * MemoryLayout<Float>.stride), Int32(root)), "broadcast")
    }

    /// A `Codable` value of rank `root` on every rank (JSON in between).
    public static func broadcast<T: Codable>(_ value: T?, root: Int = 0) throws -> T {
        var data = Data()
        if rank == root {
            guard let value else { throw Failure(description: "broadcast: rank \(root) has no value to send") }
            data = try JSONEncoder().encode(value)
        }
        try broadcast(&data, root: root)
        if !isActive, let value { return value }
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// Every rank's bytes, rank by rank, on `root` (nil on the other ranks).
    public static func gather(_ data: Data, root: Int = 0) throws -> [Data]? {
        guard isActive else { return [data] }
        var counts = [Int64](repeating: 0, count: size)
        try [Int64(data.count)].withUnsafeBufferPointer { send in
            try counts.withUnsafeMutableBufferPointer { try check(pg_mpi_allgather_int64(try address(of: send), 1, try address(of: $0)), "gather") }
        }
        var offsets = [Int64](repeating: 0, count: size)
        for r in 1..<size { offsets[r] = offsets[r - 1] + counts[r - 1] }
        let total = Int(offsets[size - 1] + counts[size - 1])
        guard total <= Int(Int32.max) else { throw Failure(description: "gather: \(total) bytes in all, above MPI's 2 GiB per call") }
        var received = Data(count: rank == root ? max(total, 1) : 1)
        var sent = data.isEmpty ? Data(count: 1) : data
        try sent.withUnsafeMutableBytes { s in
            try received.withUnsafeMutableBytes { rcv in
                try check(pg_mpi_gather_bytes(try address(of: s), Int64(data.count), try address(of: rcv), counts, offsets, Int32(root)), "gather")
            }
        }
        guard rank == root else { return nil }
        return (0..<size).map { r in received.subdata(in: Int(offsets[r])..<Int(offsets[r] + counts[r])) }
    }

    /// Every rank's `Codable` value on `root`, rank by rank (nil elsewhere).
    public static func gather<T: Codable>(_ value: T, root: Int = 0) throws -> [T]? {
        guard isActive else { return [value] }
        guard let parts = try gather(try JSONEncoder().encode(value), root: root) else { return nil }
        return try parts.map { try JSONDecoder().decode(T.self, from: $0) }
    }

    public static func barrier() throws {
        guard isActive else { return }
        try check(pg_mpi_barrier(), "barrier")
    }

    // MARK: - Shares

    /// The contiguous share of `count` items that `rank` of `size` takes: the first `count % size` ranks one
    /// more than the rest, in rank order (so the shares, concatenated, are the items in order).
    public static func share(of count: Int, rank: Int = Distributed.rank, size: Int = Distributed.size) -> Range<Int> {
        let base = count / size, extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }
}
