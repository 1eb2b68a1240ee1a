import { adzunaApi } from "./adzuna/api.js"
import { ashbyApi } from "./ashby/api.js"
import { greenhouseApi } from "./greenhouse/api.js"
import { hackernewsApi } from "./hackernews/api.js"
import { leverApi } from "./lever/api.js"
import { recruiteeApi } from "./recruitee/api.js"
import { remoteokApi } from "./remoteok/api.js"
import { smartRecruitersApi } from "./smartrecruiters/api.js"
import type { SourceApi } from "./SourceApi.js"
import { usajobsApi } from "./usajobs/api.js"
import { weworkremotelyApi } from "./weworkremotely/api.js"
import { workableApi } from "./workable/api.js"

/** Every job-source API the runtime can crawl, by the type written in the sources file. */
export const sourceApis: ReadonlyMap<string, SourceApi> = new Map(
  [
    greenhouseApi, leverApi, ashbyApi, smartRecruitersApi, recruiteeApi, workableApi,
    remoteokApi, weworkremotelyApi, hackernewsApi, adzunaApi, usajobsApi
  ].map((api) => [api.type, api])
)
