import CapasMessages
import CapasModel
import Foundation

// The comments of the presets' model texts in Spanish, for `:preset` in a
// Spanish session. The presets (CapasModel) are written in English; every
// comment line with words has an entry here, as a whole text or as one of the
// patterns the repeated comments share (blocks, branches, parameter counts).
// A comment of numbers and symbols only (`→ 112x112x64`, `55 → 27`) is the
// same in both languages, but its numbers are written the Spanish way
// (61 706, 2416: see `grouped(_:language:)`). PresetLanguageTests checks that
// no preset keeps an English comment.

enum PresetComments {
    static let spanish: [String: String] = [
        // Course
        "A fully connected network for FashionMNIST: 784 → 200 → 10.": "Una red totalmente conectada para FashionMNIST: 784 → 200 → 10.",
        "A deeper fully connected network: 784 → 256 → 128 → 10.": "Una red totalmente conectada más profunda: 784 → 256 → 128 → 10.",
        "The course's LeNet-style CNN for FashionMNIST.": "La CNN de estilo LeNet del curso para FashionMNIST.",
        "Two 3x3 convolution stages with \"same\" padding, then a dense head with dropout.":
            "Dos etapas de convoluciones de 3x3 con relleno \"same\", luego una cabeza densa con dropout.",
        "A VGG-style CNN for CIFAR-10 (32x32 colour images).": "Una CNN de estilo VGG para CIFAR-10 (imágenes en color de 32x32).",
        // LeNet-5
        "LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), as taught: tanh":
            "LeNet-5 (LeCun, Bottou, Bengio y Haffner, 1998), como se enseña: activaciones",
        "activations, average pooling, and dense layers where the paper had":
            "tanh, average pooling y capas densas donde el artículo tenía",
        "partly connected C3 and an RBF output (the usual simplifications).":
            "una C3 conectada en parte y una salida RBF (las simplificaciones habituales).",
        "output: (84 + 1)·10 = 850; 61,706 parameters in all": "salida: (84 + 1)·10 = 850; 61,706 parámetros en total",
        // AlexNet
        "AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as in torchvision: the":
            "AlexNet (Krizhevsky, Sutskever y Hinton, 2012) como en torchvision: la",
        "one-GPU version with 64, 192, 384, 256, 256 filters (the paper split":
            "versión de una GPU con 64, 192, 384, 256 y 256 filtros (el artículo repartía",
        "96, 256, 384, 384, 256 over two GPUs), without local response normalization.":
            "96, 256, 384, 384 y 256 entre dos GPU), sin local response normalization.",
        "features: five convolutions, three overlapping 3x3 max poolings":
            "features (las características): cinco convoluciones y tres max pooling de 3x3 que se solapan",
        "classifier: 58.6 of the 61.1 million parameters are in these three layers":
            "clasificador: 58,6 de los 61,1 millones de parámetros están en estas tres capas",
        // VGG-16
        "VGG-16 (Simonyan and Zisserman, 2014), configuration D, as in torchvision:":
            "VGG-16 (Simonyan y Zisserman, 2014), configuración D, como en torchvision:",
        "thirteen 3x3 convolutions with pad=1 (the size is kept) and five 2x2 max":
            "trece convoluciones de 3x3 con pad=1 (el tamaño se mantiene) y cinco max pooling",
        "poolings (the size is halved), then three dense layers.":
            "de 2x2 (el tamaño se reduce a la mitad), luego tres capas densas.",
        "Two stacked 3x3 convolutions see 5x5 and three see 7x7, with fewer":
            "Dos convoluciones de 3x3 apiladas ven 5x5 y tres ven 7x7, con menos",
        "parameters than one 7x7 and more nonlinearities.": "parámetros que una de 7x7 y más no linealidades.",
        "classifier: the first dense layer alone has (25,088 + 1)·4,096 =":
            "clasificador: solo la primera capa densa tiene (25,088 + 1)·4,096 =",
        "102,764,544 parameters, three quarters of the model": "102,764,544 parámetros, tres cuartas partes del modelo",
        // GoogLeNet and the 1x1 lesson
        "GoogLeNet / Inception v1 (Szegedy et al., 2014) as in torchvision, without":
            "GoogLeNet / Inception v1 (Szegedy et al., 2014) como en torchvision, sin",
        "the two auxiliary classifiers (aux_logits=False; they only help training).":
            "los dos clasificadores auxiliares (aux_logits=False; solo ayudan a entrenar).",
        "Every convolution is torchvision's BasicConv2d: conv without bias, batch":
            "Cada convolución es el BasicConv2d de torchvision: conv sin sesgo, batch",
        "norm (eps=0.001) and relu; the 2014 paper had biases and no batch norm.":
            "norm (eps=0.001) y relu; el artículo de 2014 tenía sesgos y no batch norm.",
        "torchvision's third branch uses a 3x3 convolution where the paper has a":
            "la tercera rama de torchvision usa una convolución de 3x3 donde el artículo tiene",
        "5x5 (a known difference kept for compatibility with its weights).":
            "una de 5x5 (una diferencia conocida, mantenida por compatibilidad con sus pesos).",
        "The poolings round up (ceil=yes, PyTorch's ceil_mode=True): 112 → 56.":
            "Los pooling redondean hacia arriba (ceil=yes, el ceil_mode=True de PyTorch): 112 → 56.",
        "1x1": "1x1",
        "3x3 max pooling, then a 1x1 projection": "max pooling de 3x3, luego una proyección 1x1",
        "head: one value per channel, then the classifier": "cabeza: un valor por canal, luego el clasificador",
        "Why Inception puts 1x1 convolutions first (the lesson of the course):":
            "Por qué Inception pone primero convoluciones 1x1 (la lección del curso):",
        "the same 28x28x192 input becomes 28x28x32 in two ways, side by side.":
            "la misma entrada de 28x28x192 se convierte en 28x28x32 de dos maneras, lado a lado.",
        "Compare the mult-adds column of the two branches.": "Compara la columna mult-sumas de las dos ramas.",
        "directly: each of the 28·28·32 outputs needs 5·5·192 = 4,800":
            "directamente: cada una de las 28·28·32 salidas necesita 5·5·192 = 4,800",
        "multiplications: 28·28·32·4,800 ≈ 120 million": "multiplicaciones: 28·28·32·4,800 ≈ 120 millones",
        "bottleneck: first shrink 192 channels to 16 with a 1x1 convolution":
            "cuello de botella: primero reduce los 192 canales a 16 con una convolución 1x1",
        "(28·28·16·192 ≈ 2.4 million), then the 5x5 on 16 channels":
            "(28·28·16·192 ≈ 2,4 millones), luego la 5x5 sobre 16 canales",
        "(28·28·32·5·5·16 ≈ 10 million): about 12.4 million, ten times fewer,":
            "(28·28·32·5·5·16 ≈ 10 millones): unos 12,4 millones, diez veces menos,",
        "and 15,920 parameters instead of 153,632": "y 15,920 parámetros en lugar de 153,632",
        "the two results stacked: 28x28x64": "los dos resultados apilados: 28x28x64",
        // ResNet-18
        "ResNet-18 (He, Zhang, Ren and Sun, 2015) as in torchvision: eight basic": "ResNet-18 (He, Zhang, Ren y Sun, 2015) como en torchvision: ocho bloques",
        "blocks, y = relu(F(x) + x), where F is two 3x3 convolutions with batch": "básicos, y = relu(F(x) + x), donde F son dos convoluciones de 3x3 con batch",
        "norm. The shortcut lets the gradient skip F, so deep networks still train.": "norm. El atajo deja que el gradiente salte F, así que las redes profundas siguen entrenando.",
        "Convolutions followed by batch norm have no bias (its β does that job).": "Las convoluciones seguidas de batch norm no tienen sesgo (su β hace ese trabajo).",
        "a 1x1 convolution with stride 2 (torchvision's downsample)": "una convolución de 1x1 con paso 2 (el downsample de torchvision)",
        "head: the mean of each of the 512 channels, then the classifier": "cabeza: la media de cada uno de los 512 canales, luego el clasificador",
        // MobileNetV2
        "MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov and Chen, 2018) as in":
            "MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov y Chen, 2018) como en",
        "torchvision. An inverted residual block widens the channels t times with":
            "torchvision. Un bloque residual invertido ensancha los canales t veces con",
        "a 1x1 convolution, filters each channel on its own with a 3x3 depthwise":
            "una convolución de 1x1, filtra cada canal por separado con una convolución",
        "convolution (groups = channels; `depthwise 3x3` writes the same layer),":
            "en profundidad de 3x3 (groups = canales; `depthwise 3x3` escribe la misma capa),",
        "and narrows them again with a 1x1 convolution without activation (the":
            "y los vuelve a estrechar con una convolución de 1x1 sin activación (el",
        "\"linear bottleneck\"). The shortcut joins the narrow ends, when the block":
            "\"cuello de botella lineal\"). El atajo une los extremos estrechos cuando el bloque",
        "keeps the size and the channels. A depthwise 3x3 on c channels costs":
            "mantiene el tamaño y los canales. Una en profundidad de 3x3 sobre c canales cuesta",
        "9·c multiply-adds per position instead of 9·c·c.": "9·c multiplicaciones-sumas por posición en lugar de 9·c·c.",
        "depthwise: one 3x3 filter per channel": "en profundidad: un filtro de 3x3 por canal",
        "project: linear bottleneck, no activation": "proyección: cuello de botella lineal, sin activación",
        "head (torchvision pools with the function adaptive_avg_pool2d, not a layer)":
            "cabeza (torchvision promedia con la función adaptive_avg_pool2d, no con una capa)",
        // Text and recurrent models
        "A CNN for sentence classification (Kim, 2014): each word becomes a vector,":
            "Una CNN para clasificar frases (Kim, 2014): cada palabra se convierte en un vector,",
        "filters of 3, 4 and 5 words slide along the sentence, and the maximum of":
            "filtros de 3, 4 y 5 palabras se deslizan a lo largo de la frase, y el máximo de",
        "each filter over the whole sentence (\"max-over-time pooling\") says whether":
            "cada filtro sobre toda la frase (\"max-over-time pooling\") dice si",
        "its pattern appears anywhere. Sentences padded to 60 tokens, 2 classes.":
            "su patrón aparece en alguna parte. Frases rellenadas hasta 60 tokens, 2 clases.",
        "300 features: 100 per filter width": "300 características: 100 por cada ancho de filtro",
        "A simple recurrent network for IMDB movie reviews (positive or negative),":
            "Una red recurrente simple para reseñas de películas de IMDB (positivas o negativas),",
        "as in Chollet's Deep Learning with Python: reviews cut to 500 words of a":
            "como en Deep Learning with Python de Chollet: reseñas recortadas a 500 palabras de un",
        "10,000-word vocabulary.": "vocabulario de 10,000 palabras.",
        "h_t = tanh(W·x_t + U·h_{t−1} + b): the last h, 32 values": "h_t = tanh(W·x_t + U·h_{t−1} + b): el último h, 32 valores",
        "32·(32 + 32 + 1) = 2,080 parameters (Keras; bias=pytorch: 2,112)":
            "32·(32 + 32 + 1) = 2,080 parámetros (Keras; bias=pytorch: 2,112)",
        "500 steps · 2,080 = 1,040,000 multiply-adds": "500 pasos de tiempo · 2,080 = 1,040,000 multiplicaciones-sumas",
        "probability that the review is positive": "probabilidad de que la reseña sea positiva",
        "The same IMDB classifier with an LSTM (Hochreiter and Schmidhuber, 1997):":
            "El mismo clasificador de IMDB con una LSTM (Hochreiter y Schmidhuber, 1997):",
        "four gates (input, forget, cell, output), each with its own weights, keep":
            "cuatro puertas (entrada, olvido, celda, salida), cada una con sus propios pesos, mantienen",
        "a cell state that carries information across many steps.":
            "un estado de celda que lleva información a lo largo de muchos pasos de tiempo.",
        "4·32·(32 + 32 + 1) = 8,320 parameters (Keras: one bias per gate)":
            "4·32·(32 + 32 + 1) = 8,320 parámetros (Keras: un sesgo por puerta)",
        "PyTorch's nn.LSTM has two: lstm 32 bias=pytorch gives 8,448":
            "el nn.LSTM de PyTorch tiene dos: lstm 32 bias=pytorch da 8,448",
        "characters and predicts, at every step, the next one. `capas train":
            "caracteres y predice, en cada paso de tiempo, el siguiente. `capas train",
        "char-lstm --data FILE.txt` sets the vocabulary to the file's characters.":
            "char-lstm --data TEXTO.txt` toma como vocabulario los caracteres del archivo.",
        "a dense layer at every step: the next character's logits":
            "una capa densa en cada paso de tiempo: los logits del siguiente carácter",
    ]

    /// Whole-comment patterns of the comments that repeat with other numbers.
    static let patterns: [(NSRegularExpression, String)] = [
        // ResNet-18
        (#"^layer(\d+), block (\d+): (.*), identity shortcut$"#, "etapa $1, bloque $2: $3, atajo identidad"),
        (#"^layer(\d+), block (\d+): (.*); the shortcut must change shape too:$"#, "etapa $1, bloque $2: $3; el atajo también debe cambiar de forma:"),
        (#"^stem: (.*)$"#, "tallo: $1"),
        // MobileNetV2
        (#"^block (\d+): (\S+ → \S+), no expansion \(t = 1\); no shortcut: (\d+) ≠ (\d+) channels$"#,
         "bloque $1: $2, sin expansión (t = 1); sin atajo: $3 ≠ $4 canales"),
        (#"^block (\d+): (\S+ → \S+), expansion (\d+); no shortcut: stride (\d+)$"#, "bloque $1: $2, expansión $3; sin atajo: paso $4"),
        (#"^block (\d+): (\S+ → \S+), expansion (\d+); no shortcut: (\d+) ≠ (\d+) channels$"#,
         "bloque $1: $2, expansión $3; sin atajo: $4 ≠ $5 canales"),
        (#"^block (\d+): (\S+ → \S+), expansion (\d+), residual$"#, "bloque $1: $2, expansión $3, residual"),
        (#"^expand ×(\d+): (\d+) → (\d+) channels$"#, "expansión ×$1: $2 → $3 canales"),
        (#"^last 1x1 convolution: (.*)$"#, "última convolución de 1x1: $1"),
        // VGG-16 and AlexNet
        (#"^block (\d+)(: \d+x\d+)?$"#, "bloque $1$2"),
        (#"^torchvision's (AdaptiveAvgPool2d\(\(\d+, \d+\)\)) comes here: at (\d+x\d+) its input$"#,
         "aquí va el $1 de torchvision: a $2 su entrada"),
        (#"^is already (\d+x\d+), so it is the identity \(0 parameters, 0 multiply-adds\)$"#,
         "ya es de $1, así que es la identidad (0 parámetros, 0 multiplicaciones-sumas)"),
        // GoogLeNet
        (#"^Inception (\w+): (.*) \((.*) channels\)$"#, "Inception $1: $2 ($3 canales)"),
        (#"^1x1 reduction to (\d+), then 3x3$"#, "reducción 1x1 a $1, luego 3x3"),
        (#"^1x1 reduction to (\d+), then the "5x5" \(3x3 in torchvision\)$"#, "reducción 1x1 a $1, luego la \"5x5\" (3x3 en torchvision)"),
        (#"^(.* → \d+) \(AdaptiveAvgPool2d\(\(1, 1\)\) and flatten\)$"#, "$1 (AdaptiveAvgPool2d((1, 1)) y flatten)"),
        // Text and recurrent models
        (#"^(\d+) token ids$"#, "$1 identificadores de token"),
        (#"^(\d+)-word patterns$"#, "patrones de $1 palabras"),
        (#"^A character-level language model \(Karpathy's char-rnn\): it reads (\d+)$"#,
         "Un modelo de lenguaje por caracteres (el char-rnn de Karpathy): lee $1"),
        (#"^(\d+) character ids$"#, "$1 identificadores de carácter"),
        (#"^→ (\d+x\d+): a vector per character$"#, "→ $1: un vector por carácter"),
        (#"^every step's h: (.*)$"#, "el h de cada paso de tiempo: $1"),
        // Counts after a formula
        (#"^(.*) = ([0-9,]+) parameters$"#, "$1 = $2 parámetros"),
        (#"^(.*) = ([0-9,]+) values$"#, "$1 = $2 valores"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// `text` with the comment of every line in Spanish where a translation is known.
    static func translate(_ text: String, to L: Language) -> String {
        guard L == .es else { return text }
        return text.components(separatedBy: "\n").map { line in
            guard let hash = line.firstIndex(of: "#") else { return line }
            let comment = line[line.index(after: hash)...].trimmingCharacters(in: .whitespaces)
            guard let translated = spanishComment(comment) else { return line }
            return String(line[...hash]) + " " + translated
        }.joined(separator: "\n")
    }

    /// The Spanish text of one comment (without its `#`), or nil if none is known.
    /// Its numbers are grouped the Spanish way.
    static func spanishComment(_ comment: String) -> String? {
        var text = spanish[comment]
        let range = NSRange(comment.startIndex..., in: comment)
        for (pattern, template) in patterns where text == nil && pattern.firstMatch(in: comment, range: range) != nil {
            text = pattern.stringByReplacingMatches(in: comment, range: range, withTemplate: template)
        }
        if text == nil && !hasWords(comment) { text = comment }
        return text.map(spanishNumbers)
    }

    /// Whether a comment has words to translate: a run of three letters or
    /// more that is not a size like `28x28x6`.
    static func hasWords(_ comment: String) -> Bool {
        comment.split { !$0.isLetter && !$0.isNumber }.contains { word in
            !word.allSatisfy { $0.isNumber || $0 == "x" } && word.filter(\.isLetter).count >= 3
        }
    }

    private static let englishGroups = try! NSRegularExpression(pattern: #"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])"#)

    /// `61,706` → `61 706` (no-break space), `2,416` → `2416`: integers
    /// grouped as `grouped(_:language: .es)` writes them.
    static func spanishNumbers(_ text: String) -> String {
        let matches = englishGroups.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard !matches.isEmpty else { return text }
        var out = text
        for match in matches.reversed() {
            guard let range = Range(match.range, in: out), let n = Int(out[range].replacingOccurrences(of: ",", with: "")) else { continue }
            out.replaceSubrange(range, with: grouped(n, language: .es))
        }
        return out
    }
}
