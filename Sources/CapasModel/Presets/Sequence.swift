// Models of sequences: a convolutional text classifier, which capas trains,
// and two recurrent classifiers.
// The input is a vector of token ids (whole numbers 0 … vocabulary − 1) that
// `embedding` turns into a sequence of vectors.

extension Presets {
    /// Kim (2014): 6,000,000 + 90,100 + 120,100 + 150,100 + 602 = 6,360,902 parameters.
    public static let textCNN = """
    # A CNN for sentence classification (Kim, 2014): each word becomes a vector,
    # filters of 3, 4 and 5 words slide along the sentence, and the maximum of
    # each filter over the whole sentence ("max-over-time pooling") says whether
    # its pattern appears anywhere. Sentences padded to 60 tokens, 2 classes.
    input 60                                 # 60 token ids
    embedding 20000 300                      # → 60x300: 20,000·300 = 6,000,000 parameters
    concat {
      branch {                               # 3-word patterns
        conv1d 100 3 relu                    # → 58x100, (3·300 + 1)·100 = 90,100 parameters
        globalmaxpool                        # → 100
      }
      branch {                               # 4-word patterns
        conv1d 100 4 relu                    # → 57x100
        globalmaxpool
      }
      branch {                               # 5-word patterns
        conv1d 100 5 relu                    # → 56x100
        globalmaxpool
      }
    }
    # 300 features: 100 per filter width
    dropout 0.5
    dense 2

    """

    /// Chollet, Deep Learning with Python, §6.2: 320,000 + 2,080 + 33 = 322,113 parameters.
    public static let simpleRNN = """
    # A simple recurrent network for IMDB movie reviews (positive or negative),
    # as in Chollet's Deep Learning with Python: reviews cut to 500 words of a
    # 10,000-word vocabulary.
    input 500                                # 500 token ids
    embedding 10000 32                       # → 500x32: 10,000·32 = 320,000 parameters
    rnn 32                                   # h_t = tanh(W·x_t + U·h_{t−1} + b): the last h, 32 values
                                             # 32·(32 + 32 + 1) = 2,080 parameters (Keras; bias=pytorch: 2,112)
                                             # 500 steps · 2,080 = 1,040,000 multiply-adds
    dense 1 sigmoid                          # probability that the review is positive

    """

    /// Chollet, Deep Learning with Python, §6.2: 320,000 + 8,320 + 33 = 328,353 parameters.
    public static let lstm = """
    # The same IMDB classifier with an LSTM (Hochreiter and Schmidhuber, 1997):
    # four gates (input, forget, cell, output), each with its own weights, keep
    # a cell state that carries information across many steps.
    input 500                                # 500 token ids
    embedding 10000 32                       # → 500x32
    lstm 32                                  # 4·32·(32 + 32 + 1) = 8,320 parameters (Keras: one bias per gate)
                                             # PyTorch's nn.LSTM has two: lstm 32 bias=pytorch gives 8,448
    dense 1 sigmoid

    """

    /// A character-level language model for a text of `vocabulary` characters,
    /// reading windows of `length` characters.
    public static func charLSTM(vocabulary: Int, length: Int) -> String {
        """
        # A character-level language model (Karpathy's char-rnn): it reads \(length)
        # characters and predicts, at every step, the next one. `capas train
        # char-lstm --data FILE.txt` sets the vocabulary to the file's characters.
        input \(length)                                 # \(length) character ids
        embedding \(vocabulary) 32                      # → \(length)x32: a vector per character
        lstm 128 sequences=yes bias=pytorch      # every step's h: \(length)x128
        conv1d \(vocabulary) 1                          # a dense layer at every step: the next character's logits

        """
    }

    /// The char-lstm preset as `capas summary` shows it: 96 characters, 64 steps.
    public static let charLSTMPreset = charLSTM(vocabulary: 96, length: 64)
}
