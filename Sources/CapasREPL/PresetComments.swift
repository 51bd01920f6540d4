import CapasMessages
import Foundation

// The comments of the presets' model texts in Spanish, for `:preset` in a
// Spanish session. The presets (CapasModel) are written in English; a comment
// with no entry here is shown as it is. Whole comment texts first, then the
// patterns the block-by-block comments share.

enum PresetComments {
    static let spanish: [String: String] = [
        "A fully connected network for FashionMNIST: 784 → 200 → 10.": "Una red totalmente conectada para FashionMNIST: 784 → 200 → 10.",
        "A deeper fully connected network: 784 → 256 → 128 → 10.": "Una red totalmente conectada más profunda: 784 → 256 → 128 → 10.",
        "The course's LeNet-style CNN for FashionMNIST.": "La CNN de estilo LeNet del curso para FashionMNIST.",
        "Two 3x3 convolution stages with \"same\" padding, then a dense head with dropout.":
            "Dos etapas de convoluciones de 3x3 con relleno \"same\", luego una cabeza densa con dropout.",
        "A VGG-style CNN for CIFAR-10 (32x32 colour images).": "Una CNN de estilo VGG para CIFAR-10 (imágenes en color de 32x32).",
        "ResNet-18 (He, Zhang, Ren and Sun, 2015) as in torchvision: eight basic": "ResNet-18 (He, Zhang, Ren y Sun, 2015) como en torchvision: ocho bloques",
        "blocks, y = relu(F(x) + x), where F is two 3x3 convolutions with batch": "básicos, y = relu(F(x) + x), donde F son dos convoluciones de 3x3 con batch",
        "norm. The shortcut lets the gradient skip F, so deep networks still train.": "norm. El atajo deja que el gradiente salte F, así que las redes profundas siguen entrenando.",
        "Convolutions followed by batch norm have no bias (its β does that job).": "Las convoluciones seguidas de batch norm no tienen sesgo (su β hace ese trabajo).",
        "a 1x1 convolution with stride 2 (torchvision's downsample)": "una convolución de 1x1 con paso 2 (el downsample de torchvision)",
        "head: the mean of each of the 512 channels, then the classifier": "cabeza: la media de cada uno de los 512 canales, luego el clasificador",
        "7x7x512 → 512 (AdaptiveAvgPool2d((1, 1)) and flatten)": "7x7x512 → 512 (AdaptiveAvgPool2d((1, 1)) y flatten)",
    ]

    /// Whole-comment patterns of the block-by-block comments (`layer2, block 1: …, identity shortcut`).
    static let patterns: [(NSRegularExpression, String)] = [
        (#"^layer(\d+), block (\d+): (.*), identity shortcut$"#, "etapa $1, bloque $2: $3, atajo identidad"),
        (#"^layer(\d+), block (\d+): (.*); the shortcut must change shape too:$"#, "etapa $1, bloque $2: $3; el atajo también debe cambiar de forma:"),
        (#"^stem: (.*)$"#, "tallo: $1"),
        (#"^(.*) = ([0-9,]+) parameters$"#, "$1 = $2 parámetros"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// `text` with the comment of every line in Spanish where a translation is known.
    static func translate(_ text: String, to L: Language) -> String {
        guard L == .es else { return text }
        return text.components(separatedBy: "\n").map { line in
            guard let hash = line.firstIndex(of: "#") else { return line }
            let comment = line[line.index(after: hash)...].trimmingCharacters(in: .whitespaces)
            var spanishComment = spanish[comment]
            let range = NSRange(comment.startIndex..., in: comment)
            for (pattern, template) in patterns where spanishComment == nil && pattern.firstMatch(in: comment, range: range) != nil {
                spanishComment = pattern.stringByReplacingMatches(in: comment, range: range, withTemplate: template)
            }
            guard let translated = spanishComment else { return line }
            return String(line[...hash]) + " " + translated
        }.joined(separator: "\n")
    }
}
