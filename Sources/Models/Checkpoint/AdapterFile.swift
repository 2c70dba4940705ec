import Engine
import Foundation
import Platform

/// One adapter (a bottleneck adapter with its invertible adapter if it has one, or a LoRA) saved on its own, a
/// few MB beside a model of hundreds: `adapter.json` says what it is and which base model it was trained on
/// (`base_model_sha256`, `BaseModelHash`), `adapter.safetensors` holds its weights under its own name
/// (AdapterHub's names: `encoder.layer.0.output.adapters.<name>.adapter_down.0.weight`, …). Written atomically.
/// `load(_:into:slot:)` puts the weights into an adapter of a model built with one of the same configuration,
/// refusing a file trained on another base model.
public enum AdapterFile {
    public static let headerFile = "adapter.json", weightsFile = "adapter.safetensors"
    public static let formatName = "polyglot-adapter", formatVersion = 1

    public enum Kind: String, ConfigChoice { case bottleneck, lora }

    public struct Header: Codable, Equatable, Sendable {
        public var format: String
        public var version: Int
        public var name: String
        public var kind: Kind
        public var bottleneck: BottleneckAdapterConfig?
        public var lora: LoRAConfig?
        /// `BaseModelHash.of`: the base weights (embeddings and encoder, no adapter, no head) the adapter was trained on.
        public var baseModelSHA256: String
        public var hidden: Int
        public var layers: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case format, version, name, kind, bottleneck, lora, baseModelSHA256 = "base_model_sha256", hidden, layers
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.strictContainer(CodingKeys.self)
            format = try c.decode(String.self, forKey: .format); version = try c.decode(Int.self, forKey: .version)
            name = try c.decode(String.self, forKey: .name); kind = try c.decode(Kind.self, forKey: .kind)
            bottleneck = try c.decodeIfPresent(BottleneckAdapterConfig.self, forKey: .bottleneck)
            lora = try c.decodeIfPresent(LoRAConfig.self, forKey: .lora)
            baseModelSHA256 = try c.decode(String.self, forKey: .baseModelSHA256)
            hidden = try c.decode(Int.self, forKey: .hidden); layers = try c.decode(Int.self, forKey: .layers)
        }
        init(name: String, kind: Kind, bottleneck: BottleneckAdapterConfig?, lora: LoRAConfig?, base: String, hidden: Int, layers: Int) {
            format = AdapterFile.formatName; version = AdapterFile.formatVersion
            self.name = name; self.kind = kind; self.bottleneck = bottleneck; self.lora = lora
            baseModelSHA256 = base; self.hidden = hidden; self.layers = layers
        }
    }

    /// The weight names of adapter `name` in a model (its slot in the store).
    public static func names(of name: String, kind: Kind, in store: ParameterStore) -> [String] {
        let marks = kind == .lora ? [".loras.\(name)."] : [".adapters.\(name).", "invertible_adapters.\(name)."]
        return store.names.filter { n in AdapterSetup.isAdapterWeight(n) && marks.contains { n.contains($0) || n.hasPrefix($0) } }
    }

    /// The output kind `OutputPolicy` marks an adapter folder with.
    public static let outputKind = "adapter"

    /// The files of the model's adapter `name`.
    public static func files(_ model: MultiTaskModel, adapter name: String) throws -> [String: Data] {
        let setup = model.config.adapters ?? AdapterSetup()
        let header: Header
        let e = model.config.encoder
        let base = try BaseModelHash.of(model)
        if let b = setup.bottlenecks.first(where: { $0.name == name }) {
            header = Header(name: name, kind: .bottleneck, bottleneck: b.config, lora: nil, base: base, hidden: e.hiddenSize, layers: e.numLayers)
        } else if let l = setup.lora, l.name == name {
            header = Header(name: name, kind: .lora, bottleneck: nil, lora: l.config, base: base, hidden: e.hiddenSize, layers: e.numLayers)
        } else {
            let known = setup.bottlenecks.map(\.name) + (setup.lora.map { [$0.name] } ?? [])
            throw ConfigError(key: "adapter", "the model has no adapter \"\(excerpt(name))\" (it has: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        var w = SafetensorsWriter(metadata: ["format": "pt", "producer": "polyglot"])
        for n in names(of: name, kind: header.kind, in: model.store) {
            try w.add(n, shape: try model.store.value(named: n).shape.dims, floats: try model.store.get(n))
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return [headerFile: try enc.encode(header), weightsFile: w.serialized()]
    }

    /// Writes the model's adapter `name` into `dir` as `OutputPolicy` allows (a new folder atomically, an earlier
    /// adapter export replaced, anything else refused unless `force`).
    public static func write(_ model: MultiTaskModel, adapter name: String, to dir: URL, force: Bool = false, inputs: [CommandInput] = []) throws {
        try OutputPolicy.writeFolder(try files(model, adapter: name), to: dir.path, kind: outputKind, force: force, inputs: inputs)
    }

    /// SHA-256 of the folder's weights file (what results record of an adapter they loaded).
    public static func weightsSHA256(_ dir: URL) throws -> String {
        try SHA256.hex(ofFile: dir.appendingPathComponent(weightsFile).path)
    }

    public static func readHeader(_ dir: URL) throws -> Header {
        let url = dir.appendingPathComponent(headerFile)
        let h = try StrictJSON.decode(Header.self, path: url.path)
        guard h.format == formatName else { throw ConfigError(file: url.path, key: "format", "expected \"\(formatName)\", found \"\(excerpt(h.format))\"") }
        guard h.version == formatVersion else { throw ConfigError(file: url.path, key: "version", "unsupported version \(h.version) (this build reads \(formatVersion))") }
        guard (h.kind == .bottleneck) == (h.bottleneck != nil), (h.kind == .lora) == (h.lora != nil) else {
            throw ConfigError(file: url.path, key: h.kind.rawValue, "a \(h.kind.rawValue) adapter must give its configuration under \"\(h.kind.rawValue)\" and no other")
        }
        return h
    }

    /// Loads the adapter in `dir` into the model's adapter `slot`, which must have the same kind and configuration;
    /// the model's base weights must be those the adapter was trained on (`baseHash`: `BaseModelHash.of(model)`
    /// when the caller has it). Returns the adapter's header.
    @discardableResult
    public static func load(_ dir: URL, into model: MultiTaskModel, slot: String, baseHash: String? = nil) throws -> Header {
        let header = try readHeader(dir)
        let headerPath = dir.appendingPathComponent(headerFile).path
        let setup = model.config.adapters ?? AdapterSetup()
        let matches: Bool
        switch header.kind {
        case .bottleneck: matches = setup.bottlenecks.first { $0.name == slot }?.config == header.bottleneck
        case .lora: matches = setup.lora.map { $0.name == slot && $0.config == header.lora } ?? false
        }
        guard matches else {
            throw ConfigError(file: headerPath, key: header.kind.rawValue, "does not match the model's adapter \"\(excerpt(slot))\" (another kind or configuration)")
        }
        let base = try baseHash ?? BaseModelHash.of(model)
        guard base == header.baseModelSHA256 else {
            throw ConfigError(file: headerPath, key: "base_model_sha256", "the adapter was trained on another base model (\(header.baseModelSHA256.prefix(12))…; this model's base is \(base.prefix(12))…)")
        }
        let weightsURL = dir.appendingPathComponent(weightsFile)
        let file = try SafetensorsFile(url: weightsURL)
        let targets = names(of: slot, kind: header.kind, in: model.store)
        func source(_ target: String) -> String {
            header.kind == .lora ? target.replacingOccurrences(of: ".loras.\(slot).", with: ".loras.\(header.name).")
                : target.replacingOccurrences(of: ".adapters.\(slot).", with: ".adapters.\(header.name).")
                    .replacingOccurrences(of: "invertible_adapters.\(slot).", with: "invertible_adapters.\(header.name).")
        }
        var error = CheckpointError(path: weightsURL.path)
        let assignments = targets.map { WeightLoading.Assignment(source: source($0), target: $0) }
        WeightLoading.check(assignments, file: file, store: model.store, into: &error)
        let expected = Set(assignments.map(\.source))
        for e in file.entries where !expected.contains(e.name) { error.unexpected.append(e.name) }
        guard error.isEmpty else { throw error }
        try WeightLoading.apply(assignments, file: file, store: model.store)
        return header
    }
}

/// SHA-256 of a model's base weights: every parameter that is neither an adapter's nor a head's (the
/// embeddings, the encoder's layers and final LayerNorm), in store order, each as its name, its shape and its
/// little-endian float32 bytes. Two models share it exactly when an adapter trained on one fits the other.
public enum BaseModelHash {
    public static func isBase(_ name: String) -> Bool {
        !AdapterSetup.isAdapterWeight(name) && (name.hasPrefix("embeddings.") || name.hasPrefix("encoder."))
    }

    public static func of(_ model: MultiTaskModel) throws -> String {
        var h = SHA256()
        for e in model.store.entries where isBase(e.name) {
            h.update(Array(e.name.utf8) + [0])
            h.update(e.shape.dims.map { String($0) }.joined(separator: ",").utf8 + [0])
            let t = try model.store.value(named: e.name)
            h.update(UnsafeRawBufferPointer(start: t.data, count: t.count * MemoryLayout<Float>.size))
        }
        return SHA256.hex(h.finalize())
    }
}
