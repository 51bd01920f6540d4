// The words of the model language, for help, completion and for telling a
// layer line from a calculator expression in the REPL.

public enum Vocabulary {
    /// Layer keywords, in the order help lists them.
    public static var layers: [String] { Parser.layerNames }
    /// Other spellings accepted for them (PyTorch's and Keras' names).
    public static var aliases: [String: String] { Parser.aliases }
    /// Options that layers take (`stride=`, `pad=` …), for completion.
    public static let options = ["stride=", "pad=", "dilation=", "groups=", "bias=", "multiplier=", "momentum=", "eps=", "ceil=", "count_pad=",
                                      "sequences="]
    /// Block keywords.
    public static let blocks = ["residual", "shortcut", "concat", "branch"]

    /// True when `word` starts a line of the model language.
    public static func isLayerWord(_ word: String) -> Bool {
        let w = word.lowercased()
        return layers.contains(w) || aliases[w] != nil || blocks.contains(w)
    }

    /// The layer a misspelt word most resembles (`cnov` → `conv`), as a model file's error suggests it.
    public static func suggestion(for word: String) -> String? { Parser.suggestion(for: word.lowercased()) }
}
