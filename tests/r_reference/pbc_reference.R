# Reference values from R's survival package for tests/test_pbc_against_r.py.
#
# Run once, from the repository root (R is not needed by the tests, which read the JSON):
#     Rscript tests/r_reference/pbc_reference.R
# Debian: apt-get install -y r-base-core r-cran-survival r-cran-jsonlite
#
# Reads data/pbc.csv (the CSV the course ships, written by export_pbc.R) rather than
# survival::pbc, so that R and lifelines see the very same file; it first checks that the
# CSV equals survival::pbc. Writes tests/r_reference/pbc_reference.json.
#
# Sample: the 312 randomized patients (trt not NA) unless a block says otherwise.
# Event: death (status == 2); transplant (status == 1) is censored, except in the
# Aalen-Johansen block, where transplant and death are competing events.
# Time in days; 1 year = 365.25 days.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

pbc_csv <- read.csv("data/pbc.csv", stringsAsFactors = FALSE)
pbc_csv$sex <- factor(pbc_csv$sex, levels = c("m", "f"))
for (name in names(survival::pbc)) {
  same <- isTRUE(all.equal(as.numeric(pbc_csv[[name]]), as.numeric(survival::pbc[[name]]),
                           tolerance = 0))
  if (!same) stop("data/pbc.csv differs from survival::pbc in column ", name)
}

randomized <- subset(pbc_csv, !is.na(trt))
stopifnot(nrow(randomized) == 312)
randomized$arm <- factor(randomized$trt, levels = 1:2, labels = c("D-penicillamine", "placebo"))

years <- c(1, 5, 10)
days <- years * 365.25

# ---- Kaplan-Meier: median and S(1, 5, 10 years), CIs with log and log-log transforms ----
km_block <- function(data) {
  fits <- list(
    "log" = survfit(Surv(time, status == 2) ~ 1, data = data, conf.type = "log"),
    "log-log" = survfit(Surv(time, status == 2) ~ 1, data = data, conf.type = "log-log")
  )
  at <- summary(fits[["log"]], times = days)
  stopifnot(length(at$time) == length(days))   # follow-up reaches 10 years in every group
  out <- list(
    n = nrow(data),
    deaths = sum(data$status == 2),
    median_days = unname(summary(fits[["log"]])$table["median"]),
    survival = list(
      years = years,
      days = days,
      estimate = at$surv,
      std_err = at$std.err,            # Greenwood SE of S(t), not of log S(t)
      n_risk = at$n.risk
    ),
    ci = list()
  )
  for (type in names(fits)) {
    tab <- summary(fits[[type]])$table
    at_type <- summary(fits[[type]], times = days)
    out$ci[[type]] <- list(
      median_lower = unname(tab["0.95LCL"]),
      median_upper = unname(tab["0.95UCL"]),
      survival_lower = at_type$lower,
      survival_upper = at_type$upper
    )
  }
  out
}

kaplan_meier <- list(
  overall = km_block(randomized),
  "D-penicillamine" = km_block(subset(randomized, arm == "D-penicillamine")),
  placebo = km_block(subset(randomized, arm == "placebo"))
)

# ---- Log-rank test by arm ----
lr <- survdiff(Surv(time, status == 2) ~ arm, data = randomized)
logrank <- list(
  groups = levels(randomized$arm),
  observed = unname(lr$obs),
  expected = unname(lr$exp),
  chisq = unname(lr$chisq),
  df = 1L,
  p = pchisq(unname(lr$chisq), df = 1, lower.tail = FALSE)
)

# ---- Mayo model (Dickson 1989) refitted as a Cox model ----
mayo_formula <- Surv(time, status == 2) ~ age + log(bili) + log(albumin) + log(protime) + edema
cox_block <- function(data, sample) {
  fit <- coxph(mayo_formula, data = data)   # Efron ties, R's default convergence (eps = 1e-9)
  conc <- fit$concordance
  list(
    sample = sample,
    n = fit$n,
    deaths = fit$nevent,
    dropped_for_missing = nrow(data) - fit$n,
    iterations = fit$iter,
    coef = as.list(coef(fit)),
    se = as.list(sqrt(diag(vcov(fit)))),
    loglik = list(null = fit$loglik[1], final = fit$loglik[2]),
    concordance = unname(conc["concordance"]),
    concordance_se = unname(conc["std"]),
    concordance_counts = as.list(conc[c("concordant", "discordant", "tied.x", "tied.y",
                                        "tied.xy")])
  )
}
cox_mayo <- list(
  formula = deparse(mayo_formula, width.cutoff = 500L),
  ties = "efron",
  randomized = cox_block(randomized, "312 randomized"),
  all_complete = cox_block(pbc_csv, "all 418, complete cases (protime missing for 2)")
)

# ---- Proportional hazards check of the Mayo refit on the 312 (notebook 06) ----
# cox.zph in survival >= 3.0 is a score test for adding x * g(t) to the model (g: the
# Kaplan-Meier transform of time by default), not the older approximation of Grambsch and
# Therneau (1994) that lifelines' proportional_hazard_test implements.
mayo_fit <- coxph(mayo_formula, data = randomized)
zph_table <- function(transform) {
  tab <- cox.zph(mayo_fit, transform = transform)$table
  list(terms = rownames(tab), chisq = unname(tab[, "chisq"]), df = unname(tab[, "df"]),
       p = unname(tab[, "p"]))
}
# The same model with separate coefficients for log(protime) and edema before and after
# 3 years (follow-up split with survSplit; the other three terms keep one coefficient).
cut_days <- 3 * 365.25
split <- survSplit(Surv(time, status == 2) ~ ., data = randomized, cut = cut_days,
                   episode = "window")
split$early <- as.numeric(split$window == 1)
split$late <- 1 - split$early
window_fit <- coxph(Surv(tstart, time, event) ~ age + log(bili) + log(albumin)
                    + I(early * log(protime)) + I(late * log(protime))
                    + I(early * edema) + I(late * edema), data = split)
cox_mayo_ph <- list(
  sample = "312 randomized",
  cox_zph = list(km = zph_table("km"), rank = zph_table("rank"),
                 identity = zph_table("identity")),
  by_window = list(
    cut_years = 3,
    deaths = list(early = sum(split$event[split$early == 1]),
                  late = sum(split$event[split$late == 1])),
    terms = c("age", "log(bili)", "log(albumin)", "log(protime) before 3 y",
              "log(protime) after 3 y", "edema before 3 y", "edema after 3 y"),
    coef = unname(coef(window_fit)),
    se = unname(sqrt(diag(vcov(window_fit)))),
    loglik = window_fit$loglik[2]
  )
)

# ---- Aalen-Johansen cumulative incidence of transplant and death ----
aj_years <- c(5, 10)
aj_formula <- Surv(time, factor(status, 0:2, labels = c("censor", "transplant", "death"))) ~ 1
aj_at <- list(
  "log" = summary(survfit(aj_formula, data = randomized, conf.type = "log"),
                  times = aj_years * 365.25),
  "log-log" = summary(survfit(aj_formula, data = randomized, conf.type = "log-log"),
                      times = aj_years * 365.25)
)
stopifnot(identical(aj_at[["log"]]$states, c("(s0)", "transplant", "death")))
aalen_johansen <- list(
  sample = "312 randomized",
  formula = deparse(aj_formula, width.cutoff = 500L),
  years = aj_years,
  days = aj_years * 365.25,
  std_err_method = "survfit default standard error for multi-state curves"
)
for (state in c("transplant", "death")) {
  column <- which(aj_at[["log"]]$states == state)
  aalen_johansen[[state]] <- list(
    estimate = aj_at[["log"]]$pstate[, column],
    std_err = aj_at[["log"]]$std.err[, column],
    ci = list(
      "log" = list(lower = aj_at[["log"]]$lower[, column], upper = aj_at[["log"]]$upper[, column]),
      "log-log" = list(lower = aj_at[["log-log"]]$lower[, column],
                       upper = aj_at[["log-log"]]$upper[, column])
    )
  )
}
aalen_johansen$event_free <- aj_at[["log"]]$pstate[, 1]

reference <- list(
  provenance = list(
    r_version = R.version.string,
    survival_version = packageDescription("survival")$Version,
    script = "tests/r_reference/pbc_reference.R",
    data = "data/pbc.csv (survival::pbc, exported by tests/r_reference/export_pbc.R)",
    created = format(Sys.Date()),
    time_unit = "days",
    days_per_year = 365.25,
    event = "death (status == 2); transplant censored, except in aalen_johansen"
  ),
  kaplan_meier = kaplan_meier,
  logrank = logrank,
  cox_mayo = cox_mayo,
  cox_mayo_ph = cox_mayo_ph,
  aalen_johansen = aalen_johansen
)

writeLines(toJSON(reference, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           "tests/r_reference/pbc_reference.json")
cat("wrote tests/r_reference/pbc_reference.json\n")
