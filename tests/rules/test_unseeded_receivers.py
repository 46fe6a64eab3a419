"""ADNN201 speaks about fit() calls that train a model, not those that compute statistics."""

from __future__ import annotations

import textwrap

import pytest

from adnn_lint.engine.lint import lint_source


def unseeded_lines(source: str) -> list[int]:
    findings = lint_source(textwrap.dedent(source), "train.py", select=["ADNN201"])
    return [f.span.line for f in findings]


def test_cifar10_resnet_augmentation_statistics_are_not_training() -> None:
    # The Keras 2.3.1 cifar10_resnet example: datagen.fit() only measures featurewise statistics;
    # fit_generator() is Keras 2's training call on the generator (not a fit()).
    source = """
        import keras
        from keras.layers import Dense, Input
        from keras.models import Model
        from keras.preprocessing.image import ImageDataGenerator

        inputs = Input(shape=(32, 32, 3))
        model = Model(inputs=inputs, outputs=Dense(10, activation="softmax")(inputs))
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        datagen = ImageDataGenerator(featurewise_center=True, zca_whitening=True)
        datagen.fit(x_train)
        model.fit(x_train, y_train, epochs=5)
    """
    assert unseeded_lines(source) == [12]


@pytest.mark.parametrize(
    "statistics",
    [
        # tf.keras spelling, and a module alias
        """\
gen = tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=15)
gen.fit(x)
""",
        """\
from tensorflow.keras.preprocessing import image
gen = image.ImageDataGenerator(featurewise_std_normalization=True)
gen.fit(x, augment=True, rounds=2)
""",
        # the standalone Keras 2 preprocessing package
        """\
from keras_preprocessing.image import ImageDataGenerator
gen = ImageDataGenerator()
gen.fit(x)
""",
        # scikit-learn scalers and encoders, however they are called
        """\
from sklearn.preprocessing import StandardScaler
scaler = StandardScaler()
scaler.fit(x)
x = scaler.transform(x)
""",
        """\
from sklearn import preprocessing
enc = preprocessing.LabelEncoder()
enc.fit(labels)
y = preprocessing.MinMaxScaler().fit_transform(x)
""",
        """\
from sklearn.preprocessing import StandardScaler
x = StandardScaler().fit(x).transform(x)
""",
        # XGBoost baseline beside the network
        """\
import xgboost as xgb
booster = xgb.XGBClassifier(n_estimators=50)
booster.fit(x, y)
""",
        # a PyTorch Lightning trainer beside a Keras baseline: not a Keras training run
        """\
import lightning as L
trainer = L.Trainer(max_epochs=3)
trainer.fit(net, loader)
""",
        # preprocessing layers adapt(), tokenizers fit_on_texts(): not fit() at all
        """\
norm = tf.keras.layers.Normalization()
norm.adapt(x)
vectorize = tf.keras.layers.TextVectorization(max_tokens=1000)
vectorize.adapt(texts)
""",
        """\
from tensorflow.keras.preprocessing.text import Tokenizer
tok = Tokenizer(num_words=1000)
tok.fit_on_texts(texts)
""",
        # a helper that receives the generator: its own keywords say what it is
        """\
def prepare(datagen, x):
    datagen.fit(x, augment=True)
prepare(gen, x)
""",
    ],
)
def test_statistics_fits_are_silent(statistics: str) -> None:
    source = "import tensorflow as tf\n" + statistics
    assert unseeded_lines(source) == []


@pytest.mark.parametrize(
    "training",
    [
        # the project's own model builder, imported from its package
        """\
from models import build_model
model = build_model(n_classes=10)
model.fit(x, y, epochs=3)
""",
        """\
import models
net = models.resnet(depth=20)
net.fit(x, y)
""",
        # a saved model trained further
        """\
model = tf.keras.models.load_model('best.h5')
model.fit(x, y)
""",
        # the Keras scikit-learn wrapper trains the network it builds
        """\
from tensorflow.keras.wrappers.scikit_learn import KerasClassifier
clf = KerasClassifier(build_fn=make_model, epochs=5)
clf.fit(x, y)
""",
        # SciKeras, the maintained wrapper: another library, but it trains a Keras model
        """\
from scikeras.wrappers import KerasClassifier
clf = KerasClassifier(model=make_model, epochs=5)
clf.fit(x, y)
""",
        # a model handed to a training function the script calls
        """\
def train(model, data):
    model.fit(data, epochs=10)
train(get_model(), dataset)
""",
    ],
)
def test_training_fits_are_reported(training: str) -> None:
    source = "import tensorflow as tf\n" + training
    assert len(unseeded_lines(source)) == 1


def test_a_name_reused_for_a_model_is_judged_where_it_is_used() -> None:
    source = """
        import keras
        from sklearn.preprocessing import StandardScaler

        model = StandardScaler()
        model.fit(x)
        x = model.transform(x)
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
        model.compile(loss="mse")
        model.fit(x, y)
    """
    assert unseeded_lines(source) == [10]
