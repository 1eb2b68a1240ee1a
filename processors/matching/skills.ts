/**
 * A skills vocabulary and the extraction of skills from postings and resumes: pure functions, no I/O.
 *
 * Guarantees:
 * - every id `extractSkills` returns is the canonical id of an entry of `SKILLS` (aliases fold: k8s -> kubernetes,
 *   golang -> go, postgres/psql -> postgresql, sklearn -> scikit-learn, ML -> machine-learning);
 * - matches respect token boundaries, and the punctuation that is part of a name stays part of it ("C++", "C#",
 *   ".NET", "Node.js", "CI/CD", "A/B testing"); "C++/Java" or "Python-based" are split only when the whole token
 *   is not a name;
 * - names that are also ordinary words or letters ("R", "Go", "C", "TF", "Flask", "Spring", "EMR", "S3") count
 *   only with their exact case and in a technical context: next to another skill in a list ("Python, R, SAS"),
 *   after "in/using/with" ("written in Go") or before "programming/language/developer" ("R programming").
 *   "go-getter", "Go above and beyond", "10 mL", "R&D", "Vitamin C", "DBT therapy" and "at the helm" give nothing;
 * - one pass over the text with precompiled tables: about 0.2 ms for a 3 kB posting on a busy 2-core machine.
 */

export type SkillCategory = "language" | "framework" | "data_ml" | "cloud_devops" | "database" | "tool" | "method"

export interface SkillDefinition {
  /** Canonical id: lower-case ASCII, `-` between words (`scikit-learn`, `cpp`, `ci-cd`). */
  readonly id: string
  /** How a person writes it. */
  readonly name: string
  readonly category: SkillCategory
  /** Every spelling that maps to this skill, as written in the table below (with its markers). */
  readonly aliases: ReadonlyArray<string>
}

/** One skill found in a text: character offsets into the text, end exclusive. */
export interface SkillMatch {
  readonly id: string
  readonly start: number
  readonly end: number
}

/** The skills a posting asks for, by how it asks: `required` wins when a skill appears in both kinds of section. */
export interface SkillRequirements {
  readonly required: ReadonlySet<string>
  readonly preferred: ReadonlySet<string>
}

// ---------------------------------------------------------------------------------------------------------------
// The vocabulary
//
// Alias syntax, separated by `|` (the display name is always an alias too, case-insensitively, unless it is
// marked in the list):
//   `word`     matched case-insensitively on token boundaries; several words match across spaces or hyphens
//   `=Word`    matched only with this exact case ("ML" is machine learning, "ml" is a millilitre)
//   `~Word`    exact case and a technical context (see the module comment): words and letters with other meanings
//   `...!a,b`  not when the next word is one of a, b ("Excel in" is a verb)
// A name that needs a marker itself is written with the marker in the alias list and `*` before the display name.

type Row = readonly [id: string, name: string, category: SkillCategory, aliases: string]

const L: SkillCategory = "language"
const F: SkillCategory = "framework"
const D: SkillCategory = "data_ml"
const C: SkillCategory = "cloud_devops"
const B: SkillCategory = "database"
const T: SkillCategory = "tool"
const M: SkillCategory = "method"

const TABLE: ReadonlyArray<Row> = [
  // languages
  ["python", "Python", L, "python3|python 3|py3"],
  ["r", "*R", L, "~R|r programming|r language|rlang"],
  ["java", "Java", L, "java 8|java8|j2ee|java ee|core java"],
  ["scala", "Scala", L, ""],
  ["c", "*C", L, "~C|c language|ansi c"],
  ["cpp", "C++", L, "cpp"],
  ["csharp", "C#", L, "csharp|c sharp"],
  ["go", "*Go", L, "~Go|golang|go lang|go language|go programming"],
  ["rust", "*Rust", L, "~Rust|rustlang|rust language"],
  ["javascript", "JavaScript", L, "java script|ecmascript|es6|=JS"],
  ["typescript", "TypeScript", L, ""],
  ["kotlin", "Kotlin", L, ""],
  ["swift", "*Swift", L, "~Swift|swiftui"],
  ["objective-c", "Objective-C", L, "objective c|objc"],
  ["ruby", "*Ruby", L, "~Ruby"],
  ["php", "PHP", L, ""],
  ["perl", "Perl", L, ""],
  ["julia", "*Julia", L, "~Julia"],
  ["matlab", "MATLAB", L, "octave"],
  ["sas", "*SAS", L, "=SAS|sas/stat|sas macro|sas programming|base sas|sas eg|sas enterprise guide"],
  ["sql", "SQL", L, "ansi sql|sql queries|sql query"],
  ["t-sql", "T-SQL", L, "tsql|transact-sql|transact sql"],
  ["pl-sql", "PL/SQL", L, "plsql|pl sql"],
  ["bash", "Bash", L, "shell scripting|shell scripts|shell script|unix shell|~Shell|zsh|ksh"],
  ["powershell", "PowerShell", L, ""],
  ["haskell", "Haskell", L, ""],
  ["clojure", "Clojure", L, "clojurescript"],
  ["elixir", "*Elixir", L, "~Elixir"],
  ["erlang", "Erlang", L, ""],
  ["fortran", "Fortran", L, ""],
  ["cobol", "COBOL", L, ""],
  ["lua", "Lua", L, ""],
  ["dart", "*Dart", L, "~Dart"],
  ["groovy", "*Groovy", L, "~Groovy"],
  ["vba", "VBA", L, "excel vba|visual basic for applications"],
  ["visual-basic", "Visual Basic", L, "vb.net|vb6"],
  ["fsharp", "F#", L, "fsharp"],
  ["html", "HTML", L, "html5|xhtml"],
  ["css", "CSS", L, "css3|scss|sass|less css"],
  ["solidity", "Solidity", L, ""],
  ["verilog", "Verilog", L, "systemverilog"],
  ["vhdl", "VHDL", L, ""],
  ["assembly", "Assembly", L, "assembly language|x86 assembly|arm assembly"],
  ["xml", "XML", L, "xslt|xpath|xsd"],

  // frameworks and libraries for building software
  ["react", "*React", F, "=React|=REACT|react.js|reactjs|react js"],
  ["react-native", "React Native", F, ""],
  ["angular", "*Angular", F, "=Angular|angularjs|angular.js|angular 2"],
  ["vue", "Vue.js", F, "vue|vuejs|vue js"],
  ["nextjs", "Next.js", F, "nextjs|next js"],
  ["nodejs", "Node.js", F, "nodejs|node js|~Node"],
  ["express", "Express.js", F, "expressjs|express js|~Express"],
  ["jquery", "jQuery", F, ""],
  ["redux", "Redux", F, ""],
  ["django", "Django", F, ""],
  ["flask", "*Flask", F, "~Flask"],
  ["fastapi", "FastAPI", F, "fast api"],
  ["spring", "Spring Boot", F, "springboot|spring framework|spring mvc|spring cloud|~Spring"],
  ["rails", "Ruby on Rails", F, "ror|=Rails"],
  ["laravel", "Laravel", F, ""],
  ["dotnet", ".NET", F, "dotnet|.net core|asp.net|asp.net core|.net framework"],
  ["graphql", "GraphQL", F, ""],
  ["rest-api", "REST APIs", F, "=REST|restful|rest api|rest apis|restful api|restful apis|restful services|rest services|rest/json"],
  ["grpc", "gRPC", F, "protobuf|protocol buffers"],
  ["hibernate", "Hibernate", F, "jpa"],
  ["junit", "JUnit", F, ""],
  ["pytest", "pytest", F, ""],
  ["jest", "*Jest", F, "~Jest"],
  ["selenium", "Selenium", F, ""],
  ["android", "Android", F, "android sdk"],
  ["ios", "*iOS", F, "=iOS|=IOS"],
  ["flutter", "Flutter", F, ""],
  ["unity", "*Unity", F, "~Unity|unity3d"],
  ["qt", "*Qt", F, "=Qt"],
  ["webgl", "WebGL", F, "three.js|threejs"],

  // data science and machine learning libraries and platforms
  ["tensorflow", "TensorFlow", D, "~TF|tensorflow 2|tf2|tfx"],
  ["pytorch", "PyTorch", D, "~Torch|torchvision|pytorch lightning"],
  ["keras", "Keras", D, ""],
  ["scikit-learn", "scikit-learn", D, "sklearn|scikit learn|scikit|scikitlearn"],
  ["xgboost", "XGBoost", D, ""],
  ["lightgbm", "LightGBM", D, ""],
  ["catboost", "CatBoost", D, ""],
  ["pandas", "pandas", D, ""],
  ["numpy", "NumPy", D, ""],
  ["scipy", "SciPy", D, ""],
  ["statsmodels", "statsmodels", D, ""],
  ["matplotlib", "Matplotlib", D, ""],
  ["seaborn", "Seaborn", D, ""],
  ["plotly", "Plotly", D, "dash plotly|plotly dash"],
  ["d3", "D3.js", D, "d3.js|d3js|~D3"],
  ["ggplot2", "ggplot2", D, "ggplot"],
  ["tidyverse", "tidyverse", D, "dplyr|tidyr|data.table|lme4"],
  ["shiny", "*R Shiny", D, "r shiny|rshiny|=Shiny"],
  ["r-markdown", "R Markdown", D, "rmarkdown|knitr"],
  ["nltk", "NLTK", D, ""],
  ["spacy", "spaCy", D, ""],
  ["gensim", "Gensim", D, "word2vec|doc2vec|fasttext|glove embeddings"],
  ["hugging-face", "Hugging Face", D, "huggingface|hugging face transformers"],
  ["opencv", "OpenCV", D, ""],
  ["caffe", "Caffe", D, ""],
  ["mxnet", "MXNet", D, ""],
  ["theano", "Theano", D, ""],
  ["jax", "*JAX", D, "=JAX"],
  ["h2o", "*H2O.ai", D, "h2o.ai|~H2O|driverless ai"],
  ["spark-mllib", "Spark MLlib", D, "mllib|spark ml"],
  ["dask", "Dask", D, ""],
  ["ray", "*Ray", D, "~Ray|ray tune"],
  ["kubeflow", "Kubeflow", D, "kubeflow pipelines"],
  ["mlflow", "MLflow", D, ""],
  ["sagemaker", "SageMaker", D, "aws sagemaker|amazon sagemaker"],
  ["vertex-ai", "Vertex AI", D, "vertexai|google ai platform"],
  ["azure-ml", "Azure Machine Learning", D, "azure ml|azureml"],
  ["bqml", "BigQuery ML", D, "bqml"],
  ["weka", "Weka", D, ""],
  ["rapidminer", "RapidMiner", D, ""],
  ["rdkit", "RDKit", D, ""],
  ["faiss", "FAISS", D, "vector database|vector databases|pinecone|milvus"],
  ["kserve", "KServe", D, "kfserving|seldon|bentoml|torchserve|tensorflow serving|triton inference server"],

  // cloud, infrastructure and delivery
  ["aws", "AWS", C, "amazon web services|aws cloud"],
  ["azure", "Azure", C, "microsoft azure|azure cloud"],
  ["gcp", "Google Cloud", C, "gcp|google cloud platform|gcs|google cloud storage"],
  ["s3", "*Amazon S3", C, "aws s3|amazon s3|~S3"],
  ["ec2", "Amazon EC2", C, "ec2|aws ec2"],
  ["emr", "*Amazon EMR", C, "aws emr|amazon emr|elastic mapreduce|~EMR"],
  ["aws-lambda", "*AWS Lambda", C, "aws lambda|amazon lambda|~Lambda"],
  ["aws-glue", "*AWS Glue", C, "aws glue|~Glue"],
  ["athena", "*Amazon Athena", C, "aws athena|amazon athena|~Athena"],
  ["kinesis", "Kinesis", C, "aws kinesis|amazon kinesis|kinesis firehose"],
  ["cloudformation", "CloudFormation", C, "cloud formation|aws cdk"],
  ["azure-data-factory", "Azure Data Factory", C, "data factory|adf pipelines"],
  ["azure-synapse", "Azure Synapse", C, "synapse analytics|azure sql dw|azure sql data warehouse"],
  ["heroku", "Heroku", C, ""],
  ["docker", "Docker", C, "dockerfile|docker compose|docker-compose|containerization|containerized"],
  ["kubernetes", "Kubernetes", C, "k8s|kube|=EKS|=GKE|=AKS|amazon eks|openshift"],
  ["helm", "*Helm", C, "~Helm|helm charts"],
  ["terraform", "Terraform", C, "terragrunt"],
  ["ansible", "Ansible", C, ""],
  ["puppet", "*Puppet", C, "~Puppet"],
  ["chef", "*Chef", C, "~Chef"],
  ["jenkins", "Jenkins", C, ""],
  ["github-actions", "GitHub Actions", C, "github action"],
  ["gitlab-ci", "GitLab CI", C, "gitlab ci/cd|gitlab-ci"],
  ["circleci", "CircleCI", C, "circle ci|travis ci|travisci|teamcity|bamboo"],
  ["argo", "*Argo CD", C, "argo cd|argocd|argo workflows|~Argo"],
  ["ci-cd", "CI/CD", C, "cicd|ci / cd|continuous integration|continuous delivery|continuous deployment|ci pipelines"],
  ["prometheus", "Prometheus", C, ""],
  ["grafana", "Grafana", C, ""],
  ["datadog", "Datadog", C, "new relic|newrelic"],
  ["splunk", "Splunk", C, ""],
  ["elk", "*ELK Stack", C, "=ELK|elk stack|kibana|logstash|elastic stack"],
  ["nginx", "Nginx", C, "apache httpd|haproxy"],
  ["linux", "Linux", C, "centos|red hat|redhat|rhel|ubuntu|debian"],
  ["unix", "Unix", C, "solaris"],
  ["istio", "Istio", C, "service mesh|envoy proxy"],
  ["vmware", "VMware", C, "vsphere"],
  ["serverless", "Serverless", C, "serverless architecture|cloud functions|azure functions"],
  ["microservices", "Microservices", C, "microservice|micro-services|micro services|microservices architecture"],
  ["mlops", "MLOps", C, "ml ops|ml-ops|model deployment|model serving|model monitoring|ml platform|machine learning platform"],
  ["devops", "DevOps", C, "dev ops|site reliability engineering|sre"],
  ["hpc", "HPC", C, "high performance computing|high-performance computing|slurm"],

  // databases, storage, streaming and big data
  ["postgresql", "PostgreSQL", B, "postgres|psql|postgre|postgresql 12|postgis|aurora postgresql"],
  ["mysql", "MySQL", B, "mariadb|aurora mysql"],
  ["sqlite", "SQLite", B, ""],
  ["sql-server", "SQL Server", B, "mssql|ms sql|ms sql server|microsoft sql server|sql server management studio|ssms|ssdt|azure sql"],
  ["oracle-db", "*Oracle Database", B, "oracle database|oracle db|oracle 11g|oracle 12c|oracle 19c|~Oracle|oracle sql|toad"],
  ["db2", "DB2", B, "ibm db2|db2 for i"],
  ["teradata", "Teradata", B, ""],
  ["netezza", "Netezza", B, ""],
  ["vertica", "Vertica", B, ""],
  ["greenplum", "Greenplum", B, ""],
  ["snowflake", "*Snowflake", B, "=Snowflake|=SNOWFLAKE|snowflake db|snowflake data warehouse|snowsql|snowpark"],
  ["redshift", "*Amazon Redshift", B, "=Redshift|aws redshift|amazon redshift|redshift spectrum"],
  ["bigquery", "BigQuery", B, "big query|google bigquery"],
  ["mongodb", "MongoDB", B, "mongo|mongo db"],
  ["cassandra", "*Cassandra", B, "apache cassandra|~Cassandra|scylladb"],
  ["hbase", "HBase", B, ""],
  ["redis", "Redis", B, "memcached"],
  ["elasticsearch", "Elasticsearch", B, "elastic search|opensearch|~Elastic"],
  ["solr", "Solr", B, "apache solr|lucene"],
  ["neo4j", "Neo4j", B, "cypher query|graph database|graph databases|neptune"],
  ["dynamodb", "DynamoDB", B, "dynamo db|amazon dynamodb"],
  ["couchbase", "Couchbase", B, "couchdb"],
  ["cosmosdb", "Cosmos DB", B, "cosmosdb|azure cosmos db"],
  ["clickhouse", "ClickHouse", B, ""],
  ["accumulo", "Accumulo", B, ""],
  ["nosql", "NoSQL", B, "no-sql|non-relational databases"],
  ["hive", "*Apache Hive", B, "apache hive|hiveql|hive sql|=Hive|=HIVE"],
  ["presto", "*Presto", B, "=Presto|prestodb|trino"],
  ["impala", "*Impala", B, "=Impala|cloudera impala"],
  ["kafka", "*Apache Kafka", B, "apache kafka|=Kafka|=KAFKA|kafka streams|confluent kafka|ksql"],
  ["rabbitmq", "RabbitMQ", B, "activemq|amazon sqs|aws sqs|=SQS"],
  ["pubsub", "Pub/Sub", B, "pub/sub|pubsub|google pub/sub"],
  ["spark", "*Apache Spark", B, "apache spark|=Spark|=SPARK|pyspark|spark sql|sparksql|spark streaming|structured streaming|spark-submit"],
  ["flink", "Apache Flink", B, "flink"],
  ["storm", "*Apache Storm", B, "apache storm|~Storm"],
  ["beam", "*Apache Beam", B, "apache beam|dataflow|google dataflow"],
  ["nifi", "Apache NiFi", B, "nifi"],
  ["hadoop", "Hadoop", B, "apache hadoop|hadoop ecosystem|cloudera|hortonworks"],
  ["hdfs", "HDFS", B, ""],
  ["mapreduce", "MapReduce", B, "map reduce|map/reduce"],
  ["pig", "*Apache Pig", B, "apache pig|~Pig"],
  ["sqoop", "Sqoop", B, ""],
  ["oozie", "Oozie", B, "azkaban"],
  ["zookeeper", "ZooKeeper", B, ""],
  ["dataproc", "Dataproc", B, "google dataproc"],
  ["databricks", "Databricks", B, "azure databricks|databricks notebooks"],
  ["delta-lake", "Delta Lake", B, "delta tables|lakehouse"],
  ["parquet", "Parquet", B, "avro|orc files"],
  ["airflow", "*Apache Airflow", B, "apache airflow|=Airflow|=AIRFLOW|airflow dags|cloud composer|mwaa"],
  ["luigi", "*Luigi", B, "~Luigi"],
  ["prefect", "*Prefect", B, "=Prefect|dagster"],
  ["dbt", "*dbt", B, "=dbt|data build tool|dbt cloud"],
  ["great-expectations", "*Great Expectations", B, "=Great Expectations|deequ"],

  // tools: analytics, BI, office, engineering
  ["excel", "*Excel", T, "=Excel!in,at,as,within|=EXCEL|ms excel|microsoft excel|excel spreadsheets|pivot tables|pivot table|vlookup|xlookup|advanced excel"],
  ["ms-access", "Microsoft Access", T, "ms access|microsoft access|access database|access databases"],
  ["ms-office", "Microsoft Office", T, "ms office|microsoft office|office 365|microsoft office suite"],
  ["google-sheets", "Google Sheets", T, "g suite|google workspace"],
  ["tableau", "Tableau", T, "tableau desktop|tableau server|tableau prep"],
  ["power-bi", "Power BI", T, "powerbi|power bi desktop|power-bi"],
  ["dax", "*DAX", T, "=DAX"],
  ["power-query", "Power Query", T, "m query|power pivot|powerpivot"],
  ["looker", "Looker", T, "lookml|looker studio|data studio"],
  ["qlik", "Qlik", T, "qlikview|qlik sense|qliksense"],
  ["microstrategy", "MicroStrategy", T, ""],
  ["cognos", "Cognos", T, "ibm cognos"],
  ["spotfire", "Spotfire", T, "tibco spotfire"],
  ["business-objects", "Business Objects", T, "businessobjects|sap business objects|sap bo|crystal reports"],
  ["ssrs", "SSRS", T, "sql server reporting services"],
  ["ssis", "SSIS", T, "sql server integration services"],
  ["ssas", "SSAS", T, "sql server analysis services|olap cubes|olap cube|=MDX|tabular model|tabular models"],
  ["informatica", "Informatica", T, "informatica powercenter|iics"],
  ["talend", "Talend", T, ""],
  ["pentaho", "Pentaho", T, "pentaho data integration|kettle"],
  ["alteryx", "Alteryx", T, ""],
  ["domo", "*Domo", T, "=Domo|=DOMO"],
  ["sap", "*SAP", T, "=SAP|sap hana|sap erp|s/4hana"],
  ["salesforce", "Salesforce", T, "sfdc|salesforce.com"],
  ["google-analytics", "Google Analytics", T, "ga4|universal analytics|google tag manager"],
  ["adobe-analytics", "Adobe Analytics", T, "omniture|site catalyst"],
  ["mixpanel", "Mixpanel", T, "amplitude analytics|heap analytics"],
  ["spss", "SPSS", T, "ibm spss|spss modeler"],
  ["stata", "Stata", T, ""],
  ["jmp", "*JMP", T, "=JMP"],
  ["minitab", "Minitab", T, ""],
  ["jupyter", "Jupyter", T, "jupyter notebooks|jupyterlab|ipython|jupyter notebook"],
  ["rstudio", "RStudio", T, "r studio"],
  ["git", "Git", T, "github|gitlab|bitbucket|version control|source control|git/github"],
  ["svn", "Subversion", T, "svn"],
  ["jira", "Jira", T, "atlassian jira"],
  ["confluence", "*Confluence", T, "~Confluence|atlassian confluence"],
  ["maven", "*Maven", T, "~Maven|apache maven|gradle"],
  ["sonarqube", "SonarQube", T, ""],
  ["postman", "Postman", T, "swagger|openapi"],
  ["figma", "Figma", T, "sketch app"],
  ["arcgis", "ArcGIS", T, "esri arcgis|qgis|arcmap|arcpy"],
  ["edc", "*EDC systems", T, "electronic data capture|medidata rave|oracle inform|=EDC"],
  ["mulesoft", "MuleSoft", T, "mule esb"],

  // methods and domains
  ["machine-learning", "Machine Learning", M, "=ML|machine-learning|statistical learning|ml models|ml algorithms|supervised learning|unsupervised learning"],
  ["deep-learning", "Deep Learning", M, "neural networks|neural network|deep neural networks|deep neural network|dnn|dnns|cnns|=CNN|rnn|rnns|lstm|lstms|gans|convolutional neural networks|autoencoders"],
  ["nlp", "NLP", M, "natural language processing|natural language understanding|=NLU|text mining|text analytics|computational linguistics|human language technology|human language technologies|named entity recognition|text classification|sentiment analysis|topic modeling|topic modelling|language modeling|information extraction|machine translation|question answering|text summarization"],
  ["llm", "Large Language Models", M, "llm|llms|large language model|generative ai|genai|gen ai|prompt engineering|=GPT|chatgpt"],
  ["transformers", "*Transformers", M, "transformer models|transformer model|transformer-based|=BERT|~Transformers"],
  ["computer-vision", "Computer Vision", M, "image recognition|object detection|image classification|image segmentation|visual recognition"],
  ["image-processing", "Image Processing", M, "image analysis|digital image processing"],
  ["speech-recognition", "Speech Recognition", M, "speech processing|speech transcription|=ASR|automatic speech recognition"],
  ["information-retrieval", "Information Retrieval", M, "search ranking|semantic search|learning to rank|search relevance"],
  ["recommender-systems", "Recommender Systems", M, "recommender system|recommendation systems|recommendation system|recommendation engines|recommendation engine|recommendations engine|collaborative filtering"],
  ["reinforcement-learning", "Reinforcement Learning", M, "reinforcement-learning|multi-armed bandits|exploration/exploitation"],
  ["anomaly-detection", "Anomaly Detection", M, "outlier detection|fraud detection"],
  ["time-series", "Time Series", M, "time-series|time series analysis|time series forecasting|arima"],
  ["forecasting", "Forecasting", M, "demand forecasting|forecasting models|predictive forecasting"],
  ["statistics", "Statistics", M, "statistical analysis|statistical modeling|statistical modelling|statistical methods|statistical models|applied statistics|mathematical statistics|multivariate analysis|descriptive statistics|inferential statistics"],
  ["regression", "*Regression", M, "regression!testing,tests,test,suite|regression analysis|linear regression|logistic regression|regression models|glm|glms|generalized linear models"],
  ["hypothesis-testing", "Hypothesis Testing", M, "statistical testing|significance testing|statistical significance|anova"],
  ["a-b-testing", "A/B Testing", M, "a/b testing|a/b tests|a/b test|ab testing|split testing|multivariate testing|experimentation platform"],
  ["experimental-design", "Experimental Design", M, "design of experiments|experiment design|design experiments|controlled experiments|sample size calculation"],
  ["bayesian", "Bayesian Methods", M, "bayesian|bayesian statistics|bayesian inference|bayesian methods|bayesian modeling|mcmc"],
  ["causal-inference", "Causal Inference", M, "causal modeling|causal analysis|uplift modeling|propensity score|propensity scores|propensity score matching|difference-in-differences"],
  ["survival-analysis", "Survival Analysis", M, "kaplan-meier|kaplan meier|cox proportional hazards|cox regression|time-to-event"],
  ["mixed-models", "Mixed Models", M, "mixed-effects models|mixed effects models|mixed-effects|hierarchical models|multilevel models|mmrm"],
  ["clinical-trials", "Clinical Trials", M, "clinical trial|clinical studies|clinical study|phase i|phase ii|phase iii|randomized controlled trials"],
  ["biostatistics", "Biostatistics", M, "biostatistical|biostatistician"],
  ["epidemiology", "Epidemiology", M, "epidemiological|epidemiologic|real world evidence|real-world evidence|real world data|rwe|rwd"],
  ["cdisc", "CDISC", M, "sdtm|=ADaM|cdash|define.xml"],
  ["econometrics", "Econometrics", M, "econometric|econometric models"],
  ["actuarial", "Actuarial Science", M, "actuarial|actuarial modeling|actuarial analysis"],
  ["bioinformatics", "Bioinformatics", M, "computational biology|genomics|ngs data|sequencing data"],
  ["cheminformatics", "Cheminformatics", M, "computational chemistry|molecular modeling|qsar"],
  ["gis", "*GIS", M, "=GIS|geospatial|geospatial analysis|spatial analysis|remote sensing"],
  ["signal-processing", "Signal Processing", M, "digital signal processing"],
  ["operations-research", "Operations Research", M, "mathematical optimization|linear programming|integer programming|mixed integer programming|convex optimization"],
  ["optimization", "*Optimization", M, "optimization algorithms|numerical optimization|stochastic optimization|optimization models|optimization techniques"],
  ["simulation", "Simulation", M, "simulations|monte carlo|monte carlo simulation|discrete event simulation|simulation modeling"],
  ["predictive-modeling", "Predictive Modeling", M, "predictive modelling|predictive analytics|predictive models|predictive model"],
  ["clustering", "Clustering", M, "k-means|kmeans|cluster analysis|segmentation models"],
  ["dimensionality-reduction", "Dimensionality Reduction", M, "pca|principal component analysis|t-sne"],
  ["ensemble-methods", "Ensemble Methods", M, "gradient boosting|random forests|random forest|decision trees|boosting|ensemble learning"],
  ["feature-engineering", "Feature Engineering", M, "feature selection|feature store|feature stores"],
  ["data-mining", "Data Mining", M, "data-mining"],
  ["data-visualization", "Data Visualization", M, "data visualisation|data viz|data visualizations|data visualization tools|visualization tools"],
  ["dashboards", "Dashboards", M, "dashboard|dashboarding|dashboard development|kpi dashboards"],
  ["reporting", "*Reporting", M, "report development|ad hoc reporting|ad-hoc reporting|ad hoc reports|operational reporting|kpi reporting|reporting tools|business reporting|financial reporting|regulatory reporting|reporting solutions|reporting and analytics|reporting analyst"],
  ["etl", "ETL", M, "elt|etl/elt|extract transform load|extract, transform, load|extract-transform-load|etl pipelines|etl processes|etl tools|data integration"],
  ["data-pipelines", "Data Pipelines", M, "data pipeline|data pipelines|data ingestion|pipeline orchestration"],
  ["data-warehousing", "Data Warehousing", M, "data warehouse|data warehouses|enterprise data warehouse|dwh|data marts|data mart"],
  ["data-modeling", "Data Modeling", M, "data modelling|dimensional modeling|dimensional modelling|star schema|snowflake schema|data models|relational modeling|logical data models"],
  ["data-lake", "Data Lakes", M, "data lake|data lakes"],
  ["big-data", "Big Data", M, "big-data|big data technologies"],
  ["stream-processing", "Stream Processing", M, "streaming data|stream processing|real-time data processing|event streaming|real-time streaming|event-driven architecture"],
  ["data-governance", "Data Governance", M, "data stewardship|data catalog|data lineage"],
  ["data-quality", "Data Quality", M, "data validation|data profiling|data cleansing|data cleaning|data wrangling"],
  ["master-data-management", "Master Data Management", M, "=MDM|master data"],
  ["distributed-systems", "Distributed Systems", M, "distributed computing|distributed processing|distributed data processing"],
  ["system-design", "System Design", M, "systems design|software architecture|scalable systems"],
  ["api-design", "API Design", M, "api development|designing apis"],
  ["oop", "Object-Oriented Programming", M, "object-oriented|object oriented|object oriented programming|object-oriented design|=OOP|=OOD"],
  ["algorithms", "Data Structures and Algorithms", M, "data structures|data structures and algorithms|algorithm design"],
  ["agile", "*Agile", M, "=Agile|=AGILE|agile methodologies|agile methodology|agile development|agile software development|agile scrum|scrum|kanban|sprints"],
  ["tdd", "Test-Driven Development", M, "test-driven development|test driven development|=TDD|unit testing|unit tests|automated testing|integration tests"],
  ["security", "Information Security", M, "cybersecurity|cyber security|information security|network security|infosec"],
  ["web-scraping", "Web Scraping", M, "web scraping|web crawling|scrapy|beautifulsoup|beautiful soup"],
  ["knowledge-graphs", "Knowledge Graphs", M, "knowledge graph|knowledge graphs|ontologies|ontology"],
  ["financial-modeling", "Financial Modeling", M, "financial modelling|financial models"],
  ["marketing-analytics", "Marketing Analytics", M, "marketing mix modeling|marketing mix|attribution modeling|campaign analytics|customer segmentation|customer lifetime value"],
  ["seo", "SEO", M, "search engine optimization|ppc|paid search"]
]

// ---------------------------------------------------------------------------------------------------------------
// Compiled tables

type Mode = "plain" | "case" | "ambiguous"

interface Alias {
  readonly skill: number
  /** Lower-case atoms. */
  readonly atoms: ReadonlyArray<string>
  /** The exact spelling of each atom, for `case` and `ambiguous` aliases. */
  readonly raw: ReadonlyArray<string> | null
  readonly mode: Mode
  /** Lower-case words that cancel the match when they follow it. */
  readonly notBefore: ReadonlySet<string> | null
}

const parseAliases = (name: string, spec: string): Array<string> => {
  const list = spec === "" ? [] : spec.split("|")
  // A `*` name is written with its marker in the list; otherwise the display name is a plain alias.
  return name.startsWith("*") ? list : [name, ...list]
}

export const SKILLS: ReadonlyArray<SkillDefinition> = TABLE.map(([id, name, category, spec]) => ({
  id,
  name: name.replace(/^\*/, ""),
  category,
  aliases: parseAliases(name, spec)
}))

const SKILL_INDEX = new Map(SKILLS.map((s, i) => [s.id, i] as const))

/** Number of skills: the width of the bitsets that `seekerMatrix.ts` keeps per seeker. */
export const skillCount = SKILLS.length

/** The position of a skill id in `SKILLS` (its bit in a skills bitset), or -1. */
export const skillIndex = (id: string): number => SKILL_INDEX.get(id) ?? -1

/** The display name of a canonical id; the id itself when unknown. */
export const skillName = (id: string): string => {
  const i = SKILL_INDEX.get(id)
  return i === undefined ? id : SKILLS[i]!.name
}

// ---------------------------------------------------------------------------------------------------------------
// Atoms: the tokens of a text, with the punctuation that belongs to names kept inside them

interface Atom {
  /** Lower-case text. */
  readonly lower: string
  readonly raw: string
  readonly start: number
  readonly end: number
  /** What separates this atom from the previous one ("" inside a split token). */
  readonly gap: string
}

/**
 * A word with the punctuation names use inside (`.` `-` `/` `&` `'` followed by a letter or digit) and at the end
 * (`++`, `#`); a leading `.` when a word starts with one (".NET").
 */
const TOKEN = /(?<![\p{L}\p{N}.])\.(?=[\p{L}])[\p{L}\p{N}]+|[\p{L}\p{N}][\p{L}\p{N}+#]*(?:[.\-/&'][\p{L}\p{N}+#]+)*/gu

/** Atom strings that some alias starts with (whole-token lookups, before splitting). */
const FIRST_ATOMS = new Set<string>()

const tokenAtoms = (text: string, split: (lower: string) => boolean): Array<Atom> => {
  const atoms: Array<Atom> = []
  let previousEnd = 0
  for (const m of text.matchAll(TOKEN)) {
    const raw = m[0]
    const start = m.index
    const gap = text.slice(previousEnd, start)
    previousEnd = start + raw.length
    const lower = raw.toLowerCase()
    if (!split(lower) || !/[.\-/&']/.test(raw)) {
      atoms.push({ lower, raw, start, end: start + raw.length, gap })
      continue
    }
    // "C++/Java", "Python-based", "sklearn.metrics": the parts, keeping a part that is itself a name whole.
    let first = true
    for (const part of splitCompound(raw)) {
      atoms.push({
        lower: part.text.toLowerCase(),
        raw: part.text,
        start: start + part.offset,
        end: start + part.offset + part.text.length,
        gap: first ? gap : part.separator
      })
      first = false
    }
  }
  return atoms
}

/** `raw` cut at `/` first and then, for parts that are not names, at `-` and `.` ("R&D" and "AT&T" stay whole). */
const splitCompound = (raw: string): Array<{ text: string; offset: number; separator: string }> => {
  const out: Array<{ text: string; offset: number; separator: string }> = []
  const cut = (s: string, offset: number, separators: RegExp, separatorBefore: string, deeper: RegExp | null) => {
    let at = 0
    let sep = separatorBefore
    for (const m of s.matchAll(separators)) {
      push(s.slice(at, m.index), offset + at, sep, deeper)
      sep = m[0]
      at = m.index + m[0].length
    }
    push(s.slice(at), offset + at, sep, deeper)
  }
  const push = (s: string, offset: number, separator: string, deeper: RegExp | null) => {
    if (s === "") return
    const lower = s.toLowerCase()
    if (deeper !== null && !FIRST_ATOMS.has(lower) && deeper.test(s)) cut(s, offset, new RegExp(deeper.source, "g"), separator, null)
    else out.push({ text: s, offset, separator })
  }
  cut(raw, 0, /\//g, "", /[-.]/)
  return out
}

// Compile the aliases now that the atomizer exists.
const ALIASES_BY_FIRST = new Map<string, Array<Alias>>()
const RESOLVE = new Map<string, string>()

for (const [skill, definition] of SKILLS.entries()) {
  for (const written of definition.aliases) {
    const [body, after] = written.split("!") as [string, string | undefined]
    const mode: Mode = body.startsWith("~") ? "ambiguous" : body.startsWith("=") ? "case" : "plain"
    const text = mode === "plain" ? body : body.slice(1)
    // Aliases are atomized without splitting: "c/c++" stays one atom, "a/b testing" is ["a/b", "testing"].
    const atoms = tokenAtoms(text, () => false)
    if (atoms.length === 0) continue
    RESOLVE.set(text.toLowerCase(), definition.id)
    const alias: Alias = {
      skill,
      atoms: atoms.map((a) => a.lower),
      raw: mode === "plain" ? null : atoms.map((a) => a.raw),
      mode,
      notBefore: after === undefined || after === "" ? null : new Set(after.split(","))
    }
    const first = alias.atoms[0]!
    FIRST_ATOMS.add(first)
    const list = ALIASES_BY_FIRST.get(first) ?? []
    list.push(alias)
    ALIASES_BY_FIRST.set(first, list)
  }
  RESOLVE.set(definition.id, definition.id)
}
// Longest aliases first, so "sql server" wins over "sql" and "apache spark" over "spark".
for (const list of ALIASES_BY_FIRST.values()) list.sort((a, b) => b.atoms.length - a.atoms.length)

/**
 * What a skill implies: PostgreSQL is SQL, PyTorch is deep learning (and so machine learning), EMR is AWS. A
 * resume that lists PostgreSQL covers a posting's "SQL"; applied transitively by `extractSkills`.
 */
const IMPLIES: Readonly<Record<string, ReadonlyArray<string>>> = {
  postgresql: ["sql"], mysql: ["sql"], "sql-server": ["sql"], "oracle-db": ["sql"], "t-sql": ["sql", "sql-server"],
  "pl-sql": ["sql", "oracle-db"], sqlite: ["sql"], db2: ["sql"], teradata: ["sql"], snowflake: ["sql"],
  redshift: ["sql", "aws"], bigquery: ["sql", "gcp"], hive: ["sql", "hadoop"], presto: ["sql"],
  pytorch: ["deep-learning"], tensorflow: ["deep-learning"], keras: ["deep-learning"], "deep-learning": ["machine-learning"],
  "scikit-learn": ["machine-learning"], xgboost: ["machine-learning"], lightgbm: ["machine-learning"],
  catboost: ["machine-learning"], "spark-mllib": ["machine-learning", "spark"], "computer-vision": ["machine-learning"],
  react: ["javascript"], angular: ["javascript"], vue: ["javascript"], nextjs: ["javascript", "react"],
  nodejs: ["javascript"], express: ["nodejs"], typescript: ["javascript"], "react-native": ["react"], jquery: ["javascript"],
  django: ["python"], flask: ["python"], fastapi: ["python"], pandas: ["python"], numpy: ["python"], pytest: ["python"],
  spring: ["java"], junit: ["java"], hibernate: ["java"], rails: ["ruby"], laravel: ["php"],
  kubeflow: ["kubernetes"], helm: ["kubernetes"], kserve: ["kubernetes", "mlops"],
  s3: ["aws"], ec2: ["aws"], emr: ["aws", "spark"], "aws-lambda": ["aws"], "aws-glue": ["aws"], athena: ["aws"],
  kinesis: ["aws"], sagemaker: ["aws"], dynamodb: ["aws"], cloudformation: ["aws"],
  "azure-data-factory": ["azure"], "azure-synapse": ["azure"], "azure-ml": ["azure"], cosmosdb: ["azure"],
  dataproc: ["gcp", "spark"], "vertex-ai": ["gcp"], bqml: ["bigquery"], databricks: ["spark"], "delta-lake": ["spark"],
  dax: ["power-bi"], "power-query": ["power-bi"], ssis: ["sql-server", "etl"], ssrs: ["sql-server", "reporting"],
  ssas: ["sql-server"], shiny: ["r"], tidyverse: ["r"], ggplot2: ["r"], "r-markdown": ["r"], rstudio: ["r"],
  vba: ["excel"], hdfs: ["hadoop"], mapreduce: ["hadoop"], sqoop: ["hadoop"], oozie: ["hadoop"], pig: ["hadoop"],
  "github-actions": ["ci-cd", "git"], "gitlab-ci": ["ci-cd", "git"], circleci: ["ci-cd"], jenkins: ["ci-cd"],
  argo: ["kubernetes"], "survival-analysis": ["statistics"], "mixed-models": ["statistics"], biostatistics: ["statistics"],
  "a-b-testing": ["experimental-design"], "hugging-face": ["nlp", "transformers"], spacy: ["nlp"], nltk: ["nlp"],
  gensim: ["nlp"], llm: ["nlp"], transformers: ["deep-learning"], opencv: ["computer-vision"]
}

/** Each skill index with everything it implies, itself included. */
const CLOSURE: ReadonlyArray<ReadonlyArray<string>> = SKILLS.map((s) => {
  const seen = new Set<string>([s.id])
  const todo = [s.id]
  while (todo.length > 0) {
    for (const next of IMPLIES[todo.pop()!] ?? []) {
      if (!SKILL_INDEX.has(next)) throw new Error(`skills: ${s.id} implies unknown skill ${next}`)
      if (!seen.has(next)) {
        seen.add(next)
        todo.push(next)
      }
    }
  }
  return [...seen]
})

/** `id` with everything it implies (PostgreSQL: postgresql, sql). */
export const withImplied = (id: string): ReadonlyArray<string> => {
  const i = SKILL_INDEX.get(id)
  return i === undefined ? [id] : CLOSURE[i]!
}

/**
 * The canonical id of a skill a person typed ("Golang", "k8s", "Postgres", "R"), or `undefined` when the
 * vocabulary does not know it. Case-insensitive; ambiguous spellings resolve too, since here the intent is clear.
 */
export const resolveSkill = (name: string): string | undefined => {
  const key = name.trim().toLowerCase().replace(/\s+/g, " ")
  return RESOLVE.get(key) ?? RESOLVE.get(key.replace(/[\s-]+/g, " ")) ?? RESOLVE.get(key.replace(/\s+/g, "-"))
}

// ---------------------------------------------------------------------------------------------------------------
// Extraction

/** Words after which a one-letter or ordinary-word skill name is a technology: "written in Go", "using R". */
const TRIGGER_BEFORE = new Set(["in", "using", "with", "like", "including", "eg", "e.g", "languages", "language"])
/** Words before which it is: "R programming", "Go developer", "C code". */
const TRIGGER_AFTER = new Set([
  "programming", "language", "languages", "code", "coding", "scripts", "scripting", "developer", "developers",
  "development", "engineer", "engineers", "programmer", "packages", "package", "libraries", "library", "shiny",
  "studio", "markdown", "ecosystem", "stack", "frameworks", "framework", "microservices", "services"
])
/** Words that join items of a list: "R and Python", "Go or Rust". */
const CONNECTORS = new Set(["and", "or", "&", "plus", "nor", "as", "well"])

/** What separates the items of a list. */
const LIST_SEPARATOR = /[,/;(|&+]/
/** A gap that ends a sentence or a line: context does not carry across it. */
const BREAK = /\n|[.!?:](?:\s|$)/

interface Found {
  readonly skill: number
  readonly from: number
  readonly to: number
  readonly mode: Mode
  accepted: boolean
}

const matchAt = (atoms: ReadonlyArray<Atom>, i: number): Found | null => {
  const candidates = ALIASES_BY_FIRST.get(atoms[i]!.lower)
  if (candidates === undefined) return null
  for (const alias of candidates) {
    const n = alias.atoms.length
    if (i + n > atoms.length) continue
    let ok = true
    for (let k = 0; k < n && ok; k++) {
      const atom = atoms[i + k]!
      if (atom.lower !== alias.atoms[k]) ok = false
      else if (alias.raw !== null && atom.raw !== alias.raw[k]) ok = false
      // A multi-word name does not continue across a sentence break or a comma.
      else if (k > 0 && !/^[\s\-/]*$/.test(atom.gap)) ok = false
    }
    if (!ok) continue
    const next = atoms[i + n]
    if (alias.notBefore !== null && next !== undefined && !BREAK.test(next.gap) && alias.notBefore.has(next.lower)) continue
    return { skill: alias.skill, from: i, to: i + n, mode: alias.mode, accepted: alias.mode !== "ambiguous" }
  }
  return null
}

/** Whether the ambiguous match `f` stands in a technical context (see the module comment). */
const inContext = (atoms: ReadonlyArray<Atom>, found: ReadonlyArray<Found>, index: number): boolean => {
  const f = found[index]!
  const before = atoms[f.from - 1]
  const first = atoms[f.from]!
  if (before !== undefined && !BREAK.test(first.gap)) {
    if (TRIGGER_BEFORE.has(before.lower)) return true
    if (before.lower === "as" && atoms[f.from - 2]?.lower === "such") return true
  }
  const after = atoms[f.to]
  if (after !== undefined && !BREAK.test(after.gap) && TRIGGER_AFTER.has(after.lower)) return true
  return neighbour(atoms, found, index, -1) || neighbour(atoms, found, index, 1)
}

/** An accepted skill right before (`direction` -1) or after (+1) match `index`, allowing one connector word. */
const neighbour = (atoms: ReadonlyArray<Atom>, found: ReadonlyArray<Found>, index: number, direction: -1 | 1): boolean => {
  const f = found[index]!
  const other = found[index + direction]
  // Methods ("information security", "statistics") are prose more often than list items: they support nothing.
  if (other === undefined || !other.accepted || SKILLS[other.skill]!.category === "method") return false
  const [left, right] = direction < 0 ? [other, f] : [f, other]
  const between = right.from - left.to
  if (between > 1) return false
  if (between === 1 && !CONNECTORS.has(atoms[left.to]!.lower)) return false
  // Adjacent names need a list separator between them: "Hadoop, Pig" or "Python/R", not "S3 Information".
  if (between === 0 && !LIST_SEPARATOR.test(atoms[right.from]!.gap)) return false
  for (let k = left.to; k <= right.from; k++) if (BREAK.test(atoms[k]!.gap)) return false
  return true
}

const findAll = (text: string): { atoms: Array<Atom>; found: Array<Found> } => {
  const atoms = tokenAtoms(text, (lower) => !FIRST_ATOMS.has(lower))
  const found: Array<Found> = []
  for (let i = 0; i < atoms.length; ) {
    const f = matchAt(atoms, i)
    if (f === null) {
      i += 1
      continue
    }
    found.push(f)
    i = f.to
  }
  // Two rounds: an ambiguous name accepted in the first can support its neighbour ("Go, Rust") in the second.
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < found.length; k++) {
      if (!found[k]!.accepted && inContext(atoms, found, k)) found[k]!.accepted = true
    }
  }
  return { atoms, found }
}

/** Every skill mention in `text`, in order, with character offsets. */
export const matchSkills = (text: string): Array<SkillMatch> => {
  if (typeof text !== "string" || text === "") return []
  const { atoms, found } = findAll(text)
  return found
    .filter((f) => f.accepted)
    .map((f) => ({ id: SKILLS[f.skill]!.id, start: atoms[f.from]!.start, end: atoms[f.to - 1]!.end }))
}

/** The canonical ids of the skills `text` mentions, with what they imply (PostgreSQL also gives SQL). */
export const extractSkills = (text: string): ReadonlySet<string> => {
  const ids = new Set<string>()
  for (const m of matchSkills(text)) for (const id of withImplied(m.id)) ids.add(id)
  return ids
}

// ---------------------------------------------------------------------------------------------------------------
// Required and nice-to-have

type Section = "required" | "preferred" | "other"

const PREFERRED_HEADING =
  /\b(preferred|nice[ -]to[ -]haves?|bonus|pluses|a plus|desired|desirable|additional (?:qualifications|skills|experience)|ideally|extra credit|good to have|even better|would be nice|helpful|will help|not required)\b/
const REQUIRED_HEADING =
  /\b(requirements?|required|must[ -]haves?|qualifications|minimum|basic|what you(?:'|’)?ll need|what you need|what you bring|you(?:'|’)?ll bring|what we(?:'|’)?re looking for|what we are looking for|who you are|about you|you have|you(?:'|’)?d be a great fit|ideal candidate|skills|experience|competencies|essential|expertise|the skill set|education)\b/
const OTHER_HEADING =
  /\b(responsibilities|duties|what you(?:'|’)?ll do|what you will do|about (?:us|the company|the team|the role|our)|benefits|perks|who we are|overview|the role|the team|description|compensation|why |our |company|location|salary|how to apply|what we offer|what you(?:'|’)?ll get|what you will gain|equal opportunity|eeo|physical|travel|schedule|work environment)\b/
/** Words that make a short line a sentence rather than a heading: "Experience with Tableau". */
const PROSE = /\b(with|using|in|including|within|across|and\/or)\b/i
/** Line-level cues that override the section: "Spark is a must", "AWS is a big plus". */
const PREFERRED_CUE =
  /\b(?:(?:is|are|would be|a|strong|big|huge|great|definite) plus|(?:is|are|strongly|highly) preferred|preferred\.?$|nice to have|bonus|desired|desirable|ideally|not required|advantageous|a benefit)\b/i
const REQUIRED_CUE = /\b(?:required|must have|must be|is a must|mandatory|essential|minimum of|at least)\b/i

/**
 * The section a heading line opens, or `null` when the line is not a heading: "Requirements:", "Nice to have",
 * "Skills Required: Python, ..." are; list items ("• Experience with Airflow") and short prose are not.
 */
const headingOf = (line: string): Section | null => {
  if (/^\s*[•·*▪◦‣●–-]/.test(line)) return null
  const text = line.replace(/^[\s#>]+/, "").trim()
  if (text === "") return null
  const colon = text.indexOf(":")
  let head: string
  if (colon > 0 && colon <= 60) head = text.slice(0, colon)
  else if (text.length <= 60 && text.split(/\s+/).length <= 7 && !/[.;,]$/.test(text) && !PROSE.test(text)) head = text
  else return null
  const h = head.toLowerCase()
  if (PREFERRED_HEADING.test(h)) return "preferred"
  if (REQUIRED_HEADING.test(h)) return "required"
  if (OTHER_HEADING.test(h)) return "other"
  return null
}

/**
 * The skills a posting marks as required ("Requirements", "Must have", "Required/Minimum/Basic qualifications",
 * "What you'll need", "Skills") and those it marks as nice to have ("Preferred", "Bonus", "Nice to have",
 * "... is a plus"). A line's own cue overrides its section. Skills mentioned only in other sections
 * (responsibilities, about us) are in neither set.
 */
export const mustHaveSkills = (jobText: string): SkillRequirements => {
  const required = new Set<string>()
  const preferred = new Set<string>()
  if (typeof jobText !== "string" || jobText === "") return { required, preferred }
  const matches = matchSkills(jobText)
  let m = 0
  let section: Section = "other"
  let lineStart = 0
  for (const line of jobText.split("\n")) {
    const lineEnd = lineStart + line.length
    const heading = headingOf(line)
    if (heading !== null) section = heading
    // "(SAS preferred)" picks among required tools; only the line's own words mark it.
    const own = line.replace(/\([^)]*\)/g, "").trim()
    const cue: Section | null = PREFERRED_CUE.test(own) ? "preferred" : REQUIRED_CUE.test(own) ? "required" : null
    const kind = cue ?? section
    for (; m < matches.length && matches[m]!.start < lineEnd; m++) {
      const ids = withImplied(matches[m]!.id)
      if (kind === "required") for (const id of ids) required.add(id)
      else if (kind === "preferred") for (const id of ids) preferred.add(id)
    }
    lineStart = lineEnd + 1
  }
  for (const id of required) preferred.delete(id)
  return { required, preferred }
}
