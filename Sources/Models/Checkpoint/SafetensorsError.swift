import Platform

/// Why a safetensors file was rejected: the file and what in it is wrong (the tensor name where one
/// is at fault). Nothing is loaded from a file that fails any check.
public struct SafetensorsError: PolyglotError, Equatable {
    public let path: String
    public let tensor: String?
    public let message: String
    public init(path: String, tensor: String? = nil, _ message: String) {
        self.path = path; self.tensor = tensor; self.message = message
    }
    public var description: String {
        "\(path): " + (tensor.map { "tensor \"\(excerpt($0, limit: 100))\": " } ?? "") + message
    }
}
