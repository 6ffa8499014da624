package mastodon

func (s *Server) oauthRoutes() {}
