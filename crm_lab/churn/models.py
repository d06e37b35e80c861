"""Churn models: logistic regression read as odds ratios, and a tree ensemble in a pipeline.

Every preprocessing step (imputing, scaling, one-hot encoding) lives inside a scikit-learn
pipeline, so cross-validation refits it on each training fold and the test fold stays
unseen. Resampling (over- or under-sampling churners) is done by :class:`ChurnClassifier`'s
``fit``, i.e. only on training folds; :func:`cross_validate_churn` with
``resample_before_split=`` shows the leaky alternative side by side.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from crm_lab.validate import DataError, check_columns, check_param

__all__ = ["ChurnClassifier", "OddsRatioLogit", "CVResult", "cross_validate_churn", "split_xy",
           "compare_models", "design_levels", "design_matrix", "MODELS"]

MODELS = ("logistic", "boosting", "forest")
RESAMPLE = (None, "oversample", "undersample")


def split_xy(table: pd.DataFrame, *, include_tenure: bool = True,
             target: str = "churned") -> tuple[pd.DataFrame, pd.Series]:
    """Features and label of a checked churn table (:func:`check_churn_table`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"tenure": [1.0, 2.0], "churned": [True, False], "x": [3, 4]})
    >>> t.attrs["features"] = ["x"]
    >>> X, y = split_xy(t)
    >>> list(X.columns), y.tolist()
    (['tenure', 'x'], [True, False])
    """
    check_columns(table, [target], "churn table")
    feats = table.attrs.get("features") or [c for c in table.columns
                                            if c not in ("tenure", target)]
    cols = (["tenure"] if include_tenure and "tenure" in table.columns else []) + [
        c for c in feats if c != "tenure"]
    return table[cols].copy(), table[target].astype(bool)


def _check_xy(X, y) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(X, pd.DataFrame):
        raise DataError(f"X: expected a DataFrame of features, got {type(X).__name__}.\n"
                        "How to fix: pass a table such as split_xy(table)[0].")
    check_columns(X, [], "X")
    y = np.asarray(y)
    if y.shape[0] != len(X):
        raise DataError(f"y: {y.shape[0]:,} labels for {len(X):,} rows of X.\nHow to fix: pass "
                        "one churn flag per row of X.")
    if pd.isna(y).any() or not np.isin(y, [0, 1, True, False]).all():
        raise DataError("y: churn labels must be True/False or 1/0 without missing values.\n"
                        "How to fix: recode y (e.g. y == 'Yes').")
    y = y.astype(bool)
    if y.all() or not y.any():
        raise DataError("y: every row has the same label; a churn model needs both classes.\n"
                        "How to fix: check the label or the filter that made the table.")
    return X, y


def _preprocessor(X: pd.DataFrame, scale: bool) -> ColumnTransformer:
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
           and not pd.api.types.is_bool_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]
    steps = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
    cat_pipe = make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                             OneHotEncoder(drop="if_binary", handle_unknown="ignore",
                                           sparse_output=False))
    return ColumnTransformer([("num", make_pipeline(*steps), num), ("cat", cat_pipe, cat)],
                             verbose_feature_names_out=False)


def _resample(X: pd.DataFrame, y: np.ndarray, how: str | None, seed: int):
    if how is None:
        return X, y
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    small, large = (pos, neg) if len(pos) < len(neg) else (neg, pos)
    if how == "oversample":
        rows = np.concatenate([large, small, rng.choice(small, len(large) - len(small))])
    else:
        rows = np.concatenate([small, rng.choice(large, len(small), replace=False)])
    rows = np.sort(rows)
    return X.iloc[rows], y[rows]


class ChurnClassifier(ClassifierMixin, BaseEstimator):
    """A churn classifier: preprocessing and model in one scikit-learn pipeline.

    Parameters
    ----------
    model : {"logistic", "boosting", "forest"}
        Plain logistic regression (numbers imputed and standardised, levels one-hot
        encoded), gradient boosting or a random forest.
    n_estimators, max_depth, learning_rate : int, int, float
        For the tree ensembles.
    resample : {None, "oversample", "undersample"}
        Balance churners and stayers in the data given to ``fit`` (inside cross-validation:
        only the training folds).
    seed : int

    Attributes
    ----------
    pipeline_ : sklearn Pipeline
    feature_names_ : list of str
        Columns after one-hot encoding.
    classes_ : array [False, True]

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"x": [0.0, 1, 2, 3, 4, 5], "plan": list("aabbab")})
    >>> m = ChurnClassifier().fit(X, [0, 0, 0, 1, 1, 1])
    >>> bool(m.predict_churn(X).iloc[-1] > m.predict_churn(X).iloc[0])
    True
    """

    def __init__(self, model: str = "logistic", n_estimators: int = 100, max_depth: int = 3,
                 learning_rate: float = 0.1, resample: str | None = None, seed: int = 0):
        self.model = model
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.resample = resample
        self.seed = seed

    def _estimator(self):
        if self.model == "logistic":
            return LogisticRegression(max_iter=2000)
        if self.model == "boosting":
            return GradientBoostingClassifier(n_estimators=self.n_estimators,
                                              max_depth=self.max_depth,
                                              learning_rate=self.learning_rate,
                                              random_state=self.seed)
        return RandomForestClassifier(n_estimators=self.n_estimators, min_samples_leaf=5,
                                      random_state=self.seed, n_jobs=1)

    def fit(self, X: pd.DataFrame, y) -> ChurnClassifier:
        """Fit preprocessing and model on ``X`` (features) and ``y`` (True = churned)."""
        check_param("model", self.model, allowed=MODELS)
        check_param("resample", self.resample, allowed=RESAMPLE)
        check_param("seed", self.seed, kind=int, low=0)
        check_param("n_estimators", self.n_estimators, kind=int, low=1)
        X, y = _check_xy(X, y)
        Xr, yr = _resample(X, y, self.resample, self.seed)
        self.pipeline_ = Pipeline([("prep", _preprocessor(X, scale=self.model == "logistic")),
                                   ("model", self._estimator())])
        self.pipeline_.fit(Xr, yr)
        self.classes_ = np.array([False, True])
        self.feature_names_ = list(self.pipeline_[:-1].get_feature_names_out())
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities of (stay, churn), one row per row of ``X``."""
        return self.pipeline_.predict_proba(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """True where P(churn) > 0.5 (rarely the right rule: see the profit curve)."""
        return self.predict_proba(X)[:, 1] > 0.5

    def predict_churn(self, X: pd.DataFrame) -> pd.Series:
        """P(churn) as a Series indexed like ``X``."""
        return pd.Series(self.predict_proba(X)[:, 1], index=X.index, name="p_churn")

    def feature_importance(self) -> pd.Series:
        """Impurity importances (ensembles) or absolute standardised coefficients (logistic)."""
        est = self.pipeline_[-1]
        values = est.feature_importances_ if hasattr(est, "feature_importances_") else np.abs(
            est.coef_[0])
        return pd.Series(values, index=self.feature_names_, name="importance").sort_values(
            ascending=False)


@dataclass
class CVResult:
    """Cross-validated scores of one churn model.

    Attributes
    ----------
    name : str
    folds : DataFrame
        One row per fold: ``roc_auc``, ``pr_auc``.
    oof : Series
        Out-of-fold P(churn) per row (empty when resampled before the split: rows repeat).
    base_rate : float
        Share of churners.
    """

    name: str
    folds: pd.DataFrame
    oof: pd.Series
    base_rate: float

    def summary(self) -> pd.Series:
        """Mean and standard deviation (over folds) of ROC AUC and PR AUC."""
        f = self.folds
        return pd.Series({"roc_auc": f["roc_auc"].mean(), "roc_auc_sd": f["roc_auc"].std(),
                          "pr_auc": f["pr_auc"].mean(), "pr_auc_sd": f["pr_auc"].std(),
                          "base_rate": self.base_rate}, name=self.name)


def cross_validate_churn(model: ChurnClassifier, X: pd.DataFrame, y, *, n_splits: int = 5,
                         seed: int = 0, resample_before_split: str | None = None,
                         name: str | None = None) -> CVResult:
    """Stratified k-fold ROC AUC and PR AUC of a churn model, with out-of-fold scores.

    Parameters
    ----------
    model : ChurnClassifier
        Refitted on each training fold (preprocessing and resampling included).
    X, y : DataFrame, array-like
    n_splits : int, default 5
    seed : int
        Shuffles the folds.
    resample_before_split : {None, "oversample", "undersample"}
        **The leaky version, for teaching**: balance the whole table first and split
        afterwards, so copies of one churner sit in training and test folds.
    name : str, optional
        Label of the result (default: the model name).

    Returns
    -------
    CVResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=200)})
    >>> y = X["x"] + rng.normal(size=200) > 0
    >>> r = cross_validate_churn(ChurnClassifier(), X, y, n_splits=3)
    >>> bool(r.summary()["roc_auc"] > 0.7)
    True
    """
    check_param("n_splits", n_splits, kind=int, low=2)
    check_param("resample_before_split", resample_before_split, allowed=RESAMPLE)
    X, y = _check_xy(X, y)
    leaky = resample_before_split is not None
    if leaky:
        X, y = _resample(X, y, resample_before_split, seed)
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    rows, oof = [], np.full(len(X), np.nan)
    for k, (tr, te) in enumerate(cv.split(X, y)):
        fitted = _clone(model).fit(X.iloc[tr], y[tr])
        p = fitted.predict_proba(X.iloc[te])[:, 1]
        oof[te] = p
        rows.append({"fold": k + 1, "roc_auc": roc_auc_score(y[te], p),
                     "pr_auc": average_precision_score(y[te], p)})
    label = name or model.model + (f" ({resample_before_split} before split)" if leaky else "")
    folds = pd.DataFrame(rows).set_index("fold")
    scores = pd.Series(dtype=float, name="p_churn") if leaky else pd.Series(
        oof, index=X.index, name="p_churn")
    return CVResult(label, folds, scores, float(y.mean()))


def _clone(model):
    from sklearn.base import clone

    return clone(model)


def compare_models(X: pd.DataFrame, y, models: dict[str, ChurnClassifier], *, n_splits: int = 5,
                   seed: int = 0) -> tuple[pd.DataFrame, dict[str, CVResult]]:
    """Cross-validate several models on the same folds; one summary row per model.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"x": rng.normal(size=150)}); y = X["x"] > 0
    >>> table, _ = compare_models(X, y, {"logit": ChurnClassifier()}, n_splits=3)
    >>> list(table.columns)[:2]
    ['roc_auc', 'roc_auc_sd']
    """
    results = {k: cross_validate_churn(m, X, y, n_splits=n_splits, seed=seed, name=k)
               for k, m in models.items()}
    return pd.DataFrame([r.summary() for r in results.values()]), results


def design_levels(X: pd.DataFrame) -> tuple[dict, pd.Series]:
    """Text levels (sorted; the first is the reference) and medians of the numeric columns."""
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
           and not pd.api.types.is_bool_dtype(X[c])]
    levels = {c: sorted(X[c].dropna().astype(str).unique()) for c in X.columns if c not in num
              and not pd.api.types.is_bool_dtype(X[c])}
    return levels, X[num].median()


def design_matrix(X: pd.DataFrame, levels: dict, medians: pd.Series) -> pd.DataFrame:
    """Numbers in their own units (missing -> median), booleans 0/1, text levels as
    ``column[level]`` dummies against the first level (R's treatment coding)."""
    parts = []
    for c in X.columns:
        s = X[c]
        if c in levels:
            for lv in levels[c][1:]:
                parts.append((s.astype(str) == lv).astype(float).rename(f"{c}[{lv}]"))
        elif c in medians.index:
            parts.append(s.astype(float).fillna(medians[c]).rename(c))
        else:
            parts.append(s.astype(float).rename(c))
    return pd.concat(parts, axis=1)


class OddsRatioLogit:
    """Logistic regression of churn read as odds ratios with confidence intervals.

    statsmodels' ``Logit`` on the features with text levels dummy-coded (reference: the
    first level in sorted order) and numbers in their own units; missing numbers are filled
    with the median (counted in ``n_imputed_``).

    Parameters
    ----------
    alpha : float, default 0.05
        1 - confidence level of the intervals.

    Attributes
    ----------
    results_ : statsmodels results
    params_ : Series
        Log-odds coefficients.
    n_imputed_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=400)})
    >>> y = rng.random(400) < 1 / (1 + np.exp(-(X["x"] - 1)))
    >>> m = OddsRatioLogit().fit(X, y)
    >>> round(float(m.params_["x"]), 1)
    1.0
    """

    def __init__(self, alpha: float = 0.05):
        self.alpha = alpha

    def _design(self, X: pd.DataFrame) -> pd.DataFrame:
        import statsmodels.api as sm

        return sm.add_constant(design_matrix(X, self.levels_, self.medians_), has_constant="add")

    def fit(self, X: pd.DataFrame, y) -> OddsRatioLogit:
        """Fit by maximum likelihood; warns if it did not converge."""
        import statsmodels.api as sm

        check_param("alpha", self.alpha, kind=float, low=1e-6, high=0.5)
        X, y = _check_xy(X, y)
        self.levels_, self.medians_ = design_levels(X)
        self.n_imputed_ = int(X[list(self.medians_.index)].isna().sum().sum())
        design = self._design(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.results_ = sm.Logit(y.astype(float), design).fit(disp=0, maxiter=200)
        if not self.results_.mle_retvals.get("converged", True):
            warnings.warn("OddsRatioLogit: the fit did not converge; check for features that "
                          "separate churners perfectly.", RuntimeWarning, stacklevel=2)
        self.params_ = self.results_.params
        return self

    def predict_churn(self, X: pd.DataFrame) -> pd.Series:
        """P(churn) per row of ``X``."""
        return pd.Series(np.asarray(self.results_.predict(self._design(X))), index=X.index,
                         name="p_churn")

    def summary(self) -> pd.DataFrame:
        """One row per term: ``coef``, ``odds_ratio``, its confidence interval, ``p_value``."""
        ci = self.results_.conf_int(self.alpha)
        out = pd.DataFrame({"coef": self.params_, "odds_ratio": np.exp(self.params_),
                            "ci_low": np.exp(ci[0]), "ci_high": np.exp(ci[1]),
                            "p_value": self.results_.pvalues})
        out.index.name = "term"
        return out.drop(index="const")
