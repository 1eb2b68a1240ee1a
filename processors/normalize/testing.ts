/** Inputs the normalization tests share. */

/** The clock of the normalization tests. */
export const NOW = new Date("2024-06-10T12:00:00.000Z")

// Row 0 of glassdoor_jobs.csv, shortened.
export const TECOLOTE_DESCRIPTION = `Data Scientist
Location: Albuquerque, NM
Education Required: Bachelor’s degree required, preferably in math, engineering, business, or the sciences.
Skills Required:
Bachelor’s Degree in relevant field, e.g., math, data analysis, database, computer science, Artificial Intelligence (AI); three years’ experience credit for Master’s degree; five years’ experience credit for a Ph.D
Benefits:
We offer competitive salaries commensurate with education and experience. We have an excellent benefits package that includes:
Comprehensive health, dental, life, long and short term disability insurance
100% Company funded Retirement Plans

Benefits are provided to employees regularly working a minimum of 30 hours per week.`
