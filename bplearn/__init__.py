"""bplearn: backpropagation you can read in one sitting.

    net = MLP([2, 16, 16, 2], activation="relu", init="he", seed=0)
    history = fit(net, CrossEntropyLoss(), Adam(net.parameters(), lr=1e-2), X, y, epochs=50,
    batch_size=32)

The core (this package's top level) needs numpy only.  Plots live in ``bplearn.plots``, widgets in
``bplearn.widgets``, exercises and grading in ``bplearn.exercises`` and ``bplearn.course``.
"""

from . import data, init
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .hooks import STAGES, Event
from .layers import Identity, LayerNorm, LeakyReLU, Linear, Parameter, ReLU, Residual, Sigmoid, Tanh
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .network import MLP, Sequential
from .optim import SGD, Adam, clip_grad_norm
from .recorder import Recorder, layer_gradient_norms, probe
from .sequence import CausalSelfAttention, Embedding
from .train import History, TrainingDiverged, accuracy, fit, predict_labels, steps, train_step

__version__ = "0.1.0"
