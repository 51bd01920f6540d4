import CapasMessages

// Models written in the model language, for `:preset NAME`, `:presets` and
// `capas summary NAME`: the course's small models, the classic architectures
// (parameter counts equal to torchvision's, multiply-adds to torchinfo's), and
// examples for 1x1 convolutions, text and recurrent layers. The texts live in
// one file per family: Course, Classic (LeNet-5, AlexNet, VGG-16), Inception
// (GoogLeNet, the 1x1 lesson), ResNet, MobileNet, Sequence (text, RNN, LSTM).

/// A predefined model: a name, a one-line description and its text.
public struct Preset: Sendable {
    public let name: String
    public let spanish: String
    public let english: String
    /// The model, with comments explaining each block.
    public let text: String

    public init(_ name: String, es spanish: String, en english: String, text: String) {
        self.name = name; self.spanish = spanish; self.english = english; self.text = text
    }

    /// The one-line description in the learner's language.
    public func describe(_ L: Language) -> String { L.pick(es: spanish, en: english) }
}

public enum Presets {
    public static let all: [Preset] = [
        Preset("fnn-small", es: "red densa pequeña para FashionMNIST: 784 → 200 → 10",
               en: "a small fully connected network for FashionMNIST: 784 → 200 → 10", text: fnnSmall),
        Preset("fnn-deep", es: "red densa más profunda: 784 → 256 → 128 → 10",
               en: "a deeper fully connected network: 784 → 256 → 128 → 10", text: fnnDeep),
        Preset("cnn-lenet", es: "la CNN tipo LeNet del curso para FashionMNIST",
               en: "the course's LeNet-style CNN for FashionMNIST", text: cnnLenet),
        Preset("cnn-medium", es: "dos etapas de convoluciones 3x3 y una cabeza densa con dropout",
               en: "two 3x3 convolution stages and a dense head with dropout", text: cnnMedium),
        Preset("cnn-cifar", es: "CNN tipo VGG para CIFAR-10", en: "a VGG-style CNN for CIFAR-10", text: cnnCifar),
        Preset("lenet5", es: "LeNet-5 (LeCun et al., 1998): 32x32x1, tanh y average pooling",
               en: "LeNet-5 (LeCun et al., 1998): 32x32x1, tanh and average pooling", text: lenet5),
        Preset("alexnet", es: "AlexNet (Krizhevsky et al., 2012) como en torchvision: 61,1 millones de parámetros",
               en: "AlexNet (Krizhevsky et al., 2012) as in torchvision: 61.1 million parameters", text: alexnet),
        Preset("vgg16", es: "VGG-16 (Simonyan y Zisserman, 2014) como en torchvision: solo convoluciones 3x3, 138 millones de parámetros",
               en: "VGG-16 (Simonyan and Zisserman, 2014) as in torchvision: only 3x3 convolutions, 138 million parameters", text: vgg16),
        Preset("googlenet", es: "GoogLeNet / Inception v1 (Szegedy et al., 2014) como en torchvision, sin las salidas auxiliares",
               en: "GoogLeNet / Inception v1 (Szegedy et al., 2014) as in torchvision, without the auxiliary heads", text: googlenet),
        Preset("resnet18", es: "ResNet-18 (He et al., 2015) como en torchvision: bloques residuales",
               en: "ResNet-18 (He et al., 2015) as in torchvision: residual blocks", text: resnet18),
        Preset("mobilenet_v2", es: "MobileNetV2 (Sandler et al., 2018) como en torchvision: residuos invertidos y convoluciones por canal",
               en: "MobileNetV2 (Sandler et al., 2018) as in torchvision: inverted residuals and depthwise convolutions", text: mobilenetV2),
        Preset("onebyone", es: "la lección de Inception: una convolución 1x1 antes de la 5x5 divide el costo por diez",
               en: "the Inception lesson: a 1x1 convolution before the 5x5 cuts the cost tenfold", text: oneByOne),
        Preset("text-cnn", es: "CNN para clasificar texto (Kim, 2014): embedding, conv1d de 3, 4 y 5, max-pooling global",
               en: "a CNN for text classification (Kim, 2014): embedding, conv1d of 3, 4 and 5, global max pooling", text: textCNN),
        Preset("simple-rnn", es: "RNN simple para reseñas de IMDB (Chollet)",
               en: "a simple RNN for IMDB reviews (Chollet)", text: simpleRNN),
        Preset("lstm", es: "LSTM para reseñas de IMDB (Chollet)",
               en: "an LSTM for IMDB reviews (Chollet)", text: lstm),
        Preset("char-lstm", es: "modelo de lenguaje por caracteres (capas train char-lstm --data TEXTO.txt)",
               en: "a character-level language model (capas train char-lstm --data TEXT.txt)", text: charLSTMPreset),
    ]

    /// The preset with this name (any case), or nil.
    public static func named(_ name: String) -> Preset? {
        all.first { $0.name == name.lowercased() }
    }

    public static func text(named name: String) -> String? { named(name)?.text }
}
