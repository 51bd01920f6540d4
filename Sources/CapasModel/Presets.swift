// Models written in the model language: the course's models and the
// benchmark's reference models (the same as PyTorch's in bench/torch_bench.py).

public enum Presets {
    public static let all: [(name: String, text: String)] = [
        ("fnn-small", fnnSmall), ("fnn-deep", fnnDeep), ("cnn-lenet", cnnLenet), ("cnn-medium", cnnMedium),
        ("cnn-cifar", cnnCifar),
    ]

    public static func text(named name: String) -> String? {
        all.first { $0.name == name.lowercased() }?.text
    }

    public static let fnnSmall = """
    # A fully connected network for FashionMNIST: 784 → 200 → 10.
    input 28x28x1
    flatten
    dense 200 relu
    dense 10

    """

    public static let fnnDeep = """
    # A deeper fully connected network: 784 → 256 → 128 → 10.
    input 28x28x1
    flatten
    dense 256 relu
    dense 128 relu
    dense 10

    """

    public static let cnnLenet = """
    # The course's LeNet-style CNN for FashionMNIST.
    input 28x28x1
    conv 10 5x5
    relu
    maxpool 2
    conv 20 5x5
    relu
    maxpool 2
    flatten
    dense 50
    relu
    dense 10

    """

    public static let cnnMedium = """
    # Two 3x3 convolution stages with "same" padding, then a dense head with dropout.
    input 28x28x1
    conv 32 3x3 pad=1 relu
    maxpool 2
    conv 64 3x3 pad=1 relu
    maxpool 2
    flatten
    dense 128 relu
    dropout 0.5
    dense 10

    """

    public static let cnnCifar = """
    # A VGG-style CNN for CIFAR-10 (32x32 colour images).
    input 32x32x3
    conv 32 3x3 pad=1 relu
    conv 32 3x3 pad=1 relu
    maxpool 2
    conv 64 3x3 pad=1 relu
    conv 64 3x3 pad=1 relu
    maxpool 2
    flatten
    dense 256 relu
    dropout 0.5
    dense 10

    """
}
