/// A tensor shape of rank 0 to 4, stored inline so that making views never allocates.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible, Codable {
    public private(set) var rank: Int
    private var d: (Int, Int, Int, Int)

    public init(_ dims: Int...) { self.init(dims) }

    public init(_ dims: [Int]) {
        precondition(dims.count <= 4, "Shape supports rank up to 4, got \(dims)")
        precondition(dims.allSatisfy { $0 >= 0 }, "negative dimension in \(dims)")
        rank = dims.count
        d = (dims.count > 0 ? dims[0] : 1, dims.count > 1 ? dims[1] : 1,
             dims.count > 2 ? dims[2] : 1, dims.count > 3 ? dims[3] : 1)
    }

    /// Rank-2 shape without going through an array (used in hot paths).
    @inline(__always) public static func matrix(_ rows: Int, _ cols: Int) -> Shape {
        var s = Shape(); s.rank = 2; s.d = (rows, cols, 1, 1); return s
    }
    @inline(__always) public static func rank3(_ a: Int, _ b: Int, _ c: Int) -> Shape {
        var s = Shape(); s.rank = 3; s.d = (a, b, c, 1); return s
    }
    @inline(__always) public static func vector(_ n: Int) -> Shape {
        var s = Shape(); s.rank = 1; s.d = (n, 1, 1, 1); return s
    }
    private init() { rank = 0; d = (1, 1, 1, 1) }

    public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < rank, "dimension \(i) of a rank-\(rank) shape")
        switch i { case 0: return d.0; case 1: return d.1; case 2: return d.2; default: return d.3 }
    }

    public var dims: [Int] { (0..<rank).map { self[$0] } }
    public var count: Int { d.0 * d.1 * d.2 * d.3 }
    /// The last dimension (1 for a scalar).
    public var last: Int { rank == 0 ? 1 : self[rank - 1] }
    /// The product of every dimension but the last: the number of rows when viewed as a matrix.
    public var rows: Int { rank == 0 ? 1 : count / Swift.max(1, last) }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    public static func == (a: Shape, b: Shape) -> Bool {
        a.rank == b.rank && a.d.0 == b.d.0 && a.d.1 == b.d.1 && a.d.2 == b.d.2 && a.d.3 == b.d.3
    }
    public func hash(into h: inout Hasher) { h.combine(rank); h.combine(d.0); h.combine(d.1); h.combine(d.2); h.combine(d.3) }

    public init(from decoder: Decoder) throws { self.init(try [Int](from: decoder)) }
    public func encode(to encoder: Encoder) throws { try dims.encode(to: encoder) }
}
