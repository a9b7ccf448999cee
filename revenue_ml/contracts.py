"""Raw-file contracts: the exact layout of each raw source file.

One place states, for every raw file the warehouse reads, where it lives under the raw-data
directory, its encoding, delimiter and the exact header. The generator writes files that honour
these contracts, the raw-file audit checks incoming files against them, and a test checks that
the dbt source definitions list the same columns.

The layouts are those of the real public datasets behind the reference write-ups (see
``../shared/datasets/README.md``), so the same staging SQL reads generated and real files.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawFile:
    """Contract of one raw file.

    Attributes:
        source: dbt source name (``sources:`` entry) the file belongs to.
        table: dbt source table name.
        path: default path relative to the raw-data directory. The dbt variable named
            ``path_var`` overrides it (e.g. to read ``data.csv.gz``).
        columns: the exact header, in file order.
        delimiter: field separator.
        encoding: text encoding (``utf-8`` or ``latin-1``); ASCII files are ``utf-8``.
        required: when False the file may be absent (only for alternative sources).
    """

    source: str
    table: str
    path: str
    columns: tuple[str, ...]
    delimiter: str = ","
    encoding: str = "utf-8"
    path_var: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def var_name(self) -> str:
        return self.path_var or f"{self.source}_{self.table}_path"


OFFERS = RawFile(
    source="sales_pipeline",
    table="offers",
    path="shimoku/offers.csv",
    columns=(
        "Id",
        "Use Case",
        "Status",
        "Created Date",
        "Close Date",
        "Price",
        "Discount code",
        "Pain",
        "Loss Reason",
    ),
)

LEADS = RawFile(
    source="sales_pipeline",
    table="leads",
    path="shimoku/leads.csv",
    columns=(
        "Id",
        "First Name",
        "Use Case",
        "Source",
        "Status",
        "Discarded/Nurturing Reason",
        "Acquisition Campaign",
        "Created Date",
        "Converted",
        "City",
    ),
)

ONLINE_RETAIL = RawFile(
    source="online_retail",
    table="transactions",
    path="online_retail/data.csv",
    encoding="latin-1",
    columns=(
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ),
    notes="ISO-8859-1, CRLF, dates M/D/YYYY H:MM; a .gz copy is read as well.",
)

TELCO_CHURN = RawFile(
    source="telco_churn",
    table="customers",
    path="telco_churn/churn-bigml-80.csv",
    columns=(
        "State",
        "Account length",
        "Area code",
        "International plan",
        "Voice mail plan",
        "Number vmail messages",
        "Total day minutes",
        "Total day calls",
        "Total day charge",
        "Total eve minutes",
        "Total eve calls",
        "Total eve charge",
        "Total night minutes",
        "Total night calls",
        "Total night charge",
        "Total intl minutes",
        "Total intl calls",
        "Total intl charge",
        "Customer service calls",
        "Churn",
    ),
)

MARKETING_CAMPAIGN = RawFile(
    source="marketing_campaign",
    table="customers",
    path="marketing_campaign/marketing_campaign.csv",
    delimiter="\t",
    columns=(
        "ID",
        "Year_Birth",
        "Education",
        "Marital_Status",
        "Income",
        "Kidhome",
        "Teenhome",
        "Dt_Customer",
        "Recency",
        "MntWines",
        "MntFruits",
        "MntMeatProducts",
        "MntFishProducts",
        "MntSweetProducts",
        "MntGoldProds",
        "NumDealsPurchases",
        "NumWebPurchases",
        "NumCatalogPurchases",
        "NumStorePurchases",
        "NumWebVisitsMonth",
        "AcceptedCmp3",
        "AcceptedCmp4",
        "AcceptedCmp5",
        "AcceptedCmp1",
        "AcceptedCmp2",
        "Complain",
        "Z_CostContact",
        "Z_Revenue",
        "Response",
    ),
)

# The language institute's enrollment extract (reference 003): one row per student enrollment.
ENROLLMENTS = RawFile(
    source="enrollments",
    table="enrollments",
    path="enrollments/enrollments.csv",
    columns=(
        "PERIODO",
        "SEDE",
        "CURSO_ACTUAL",
        "HORARIO_ACTUAL",
        "ID_ESTUDIANTE",
        "ESTADO",
    ),
    notes="PERIODO is an int YYYYMM; ESTADO is MATRICULADO (enrolled) or RETIRADO (withdrew).",
)

# Alternative enrollment source: the Open University Learning Analytics Dataset.
OULAD_REGISTRATIONS = RawFile(
    source="enrollments",
    table="oulad_registrations",
    path="enrollments/oulad/studentRegistration.csv",
    columns=(
        "code_module",
        "code_presentation",
        "id_student",
        "date_registration",
        "date_unregistration",
    ),
)

OULAD_COURSES = RawFile(
    source="enrollments",
    table="oulad_courses",
    path="enrollments/oulad/courses.csv",
    columns=("code_module", "code_presentation", "module_presentation_length"),
)

OULAD_STUDENT_INFO = RawFile(
    source="enrollments",
    table="oulad_student_info",
    path="enrollments/oulad/studentInfo.csv",
    columns=(
        "code_module",
        "code_presentation",
        "id_student",
        "gender",
        "region",
        "highest_education",
        "imd_band",
        "age_band",
        "num_of_prev_attempts",
        "studied_credits",
        "disability",
        "final_result",
    ),
)

#: Files the generator writes (the default, institute-style enrollment source).
GENERATED_FILES: tuple[RawFile, ...] = (
    OFFERS,
    LEADS,
    ONLINE_RETAIL,
    TELCO_CHURN,
    MARKETING_CAMPAIGN,
    ENROLLMENTS,
)

#: Files read when ``enrollments_source`` is ``oulad``.
OULAD_FILES: tuple[RawFile, ...] = (OULAD_REGISTRATIONS, OULAD_COURSES, OULAD_STUDENT_INFO)

ALL_FILES: tuple[RawFile, ...] = GENERATED_FILES + OULAD_FILES


def by_key(source: str, table: str) -> RawFile:
    """Return the contract of ``source.table`` or raise ``KeyError`` naming the known ones."""
    for raw in ALL_FILES:
        if raw.source == source and raw.table == table:
            return raw
    known = ", ".join(f"{r.source}.{r.table}" for r in ALL_FILES)
    raise KeyError(f"no raw-file contract for {source}.{table}; known: {known}")
