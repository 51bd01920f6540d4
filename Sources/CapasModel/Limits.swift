// What model text may contain. The grader parses and analyses learners'
// models in its own process (and `capas summary`, the REPL and notebooks
// share the parser), so each limit is checked before the work it guards.

public enum ModelLimits {
    /// Bytes of model text parsed at once (1 MiB; the course's largest model is under 2 KiB).
    public static let textBytes = 1 << 20

    /// Blocks (`residual {`, `shortcut {`, `concat {`, `branch {`) nested
    /// inside each other. **Counted while parsing**, so the parser, the
    /// analysis and everything that walks the tree recurse at most this
    /// deep; the deepest real architecture nests 3.
    public static let nesting = 200

    /// Nodes of the analysed model (layers, and one add or concat per block).
    /// The largest preset has under 600; each node's name grows with its
    /// depth, so this also bounds the memory of the names.
    public static let layers = 20_000

    /// Characters of a learner's word quoted in an error message, and the
    /// longest word that gets a "did you mean" (edit distance costs the
    /// product of the lengths).
    public static let quotedCharacters = 40
}
