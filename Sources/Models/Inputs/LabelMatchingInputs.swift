import Text

/// Encodes TARS label-matching pairs "label [SEP] text" with the tokenizer's pair template (token type
/// 0 on the label, 1 on the text), truncated to `maxLength` (the longer side loses tokens first).
public enum LabelMatchingInputs {
    public static func encode(text: String, labels: [String], tokenizer: Tokenizer, maxLength: Int) throws -> (ids: [[Int32]], tokenTypes: [[Int32]]) {
        var tok = tokenizer
        tok.maxLength = maxLength
        var ids: [[Int32]] = [], types: [[Int32]] = []
        for label in labels {
            let e = try tok.encode(pair: LabelMatchingHead.labelText(label), text)
            ids.append(e.ids.map(Int32.init)); types.append(e.typeIDs.map(Int32.init))
        }
        return (ids, types)
    }
}
